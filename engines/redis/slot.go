package redis

import "strings"

// SlotCount is how many hash slots a Redis cluster has.
const SlotCount = 16384

// Slot is the cluster hash slot of key: CRC16 (XMODEM) of the key, or of its hash tag (the
// part between the first "{" and the next "}" when that part is not empty), mod 16384, as
// Redis computes it.
//
// Note: go-redis computes the same in an internal package it does not export; the tests
// check this one against CLUSTER KEYSLOT on a real server.
func Slot(key string) int {
	if open := strings.IndexByte(key, '{'); open >= 0 {
		if end := strings.IndexByte(key[open+1:], '}'); end > 0 {
			key = key[open+1 : open+1+end]
		}
	}
	return int(crc16(key) % SlotCount)
}

// crc16 is CRC-16/XMODEM (polynomial 0x1021, initial value 0), the checksum Redis cluster uses.
func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc = crc<<8 ^ crc16Table[byte(crc>>8)^s[i]]
	}
	return crc
}

var crc16Table = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()
