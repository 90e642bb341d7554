package mongodb

import (
	"encoding/binary"
	"fmt"
	"io"

	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/wiremessage"
)

// maxMessage bounds one wire message (MongoDB's maxMessageSizeBytes is 48 MB).
const maxMessage = 48 << 20

// readMessage reads one whole wire message (its 16-byte header included) into buf's
// storage, which it grows as needed.
func readMessage(r io.Reader, buf []byte) ([]byte, error) {
	if cap(buf) < 16 {
		buf = make([]byte, 0, 4096)
	}
	buf = buf[:16]
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	n := int(int32(binary.LittleEndian.Uint32(buf)))
	if n < 16 || n > maxMessage {
		return nil, fmt.Errorf("wire message of %d bytes: not the MongoDB wire protocol", n)
	}
	if cap(buf) < n {
		grown := make([]byte, n)
		copy(grown, buf)
		buf = grown
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf[16:]); err != nil {
		return nil, err
	}
	return buf, nil
}

// msgBody returns the body document (section 0) of an OP_MSG, or ok=false for any other
// message (legacy OP_QUERY handshakes, compressed messages), which the recorder only relays.
func msgBody(wm []byte) (bsoncore.Document, bool) {
	_, _, _, op, rem, ok := wiremessage.ReadHeader(wm)
	if !ok || op != wiremessage.OpMsg {
		return nil, false
	}
	_, rem, ok = wiremessage.ReadMsgFlags(rem)
	for ok && len(rem) > 0 {
		var st wiremessage.SectionType
		st, rem, ok = wiremessage.ReadMsgSectionType(rem)
		if !ok {
			break
		}
		switch st {
		case wiremessage.SingleDocument:
			doc, _, ok := wiremessage.ReadMsgSectionSingleDocument(rem)
			return doc, ok
		case wiremessage.DocumentSequence:
			_, _, rem, ok = wiremessage.ReadMsgSectionRawDocumentSequence(rem)
		default:
			return nil, false
		}
	}
	return nil, false
}

// sequenceCount is the number of documents an OP_MSG carries in document sequences (the
// driver sends inserted documents, updates and deletes that way), and the first of them.
func sequenceCount(wm []byte) (int, bsoncore.Document) {
	_, _, _, op, rem, ok := wiremessage.ReadHeader(wm)
	if !ok || op != wiremessage.OpMsg {
		return 0, nil
	}
	_, rem, ok = wiremessage.ReadMsgFlags(rem)
	n := 0
	var first bsoncore.Document
	for ok && len(rem) > 0 {
		var st wiremessage.SectionType
		if st, rem, ok = wiremessage.ReadMsgSectionType(rem); !ok {
			break
		}
		switch st {
		case wiremessage.SingleDocument:
			_, rem, ok = wiremessage.ReadMsgSectionSingleDocument(rem)
		case wiremessage.DocumentSequence:
			var docs []bsoncore.Document
			_, docs, rem, ok = wiremessage.ReadMsgSectionDocumentSequence(rem)
			if first == nil && len(docs) > 0 {
				first = docs[0]
			}
			n += len(docs)
		default:
			return n, first
		}
	}
	return n, first
}

// moreToCome says whether the sender of an OP_MSG sends another one without waiting for an
// answer (an unacknowledged write; an exhaust reply).
func moreToCome(wm []byte) bool { return wiremessage.IsMsgMoreToCome(wm) }
