package redis

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/collectors/redis/shape"
)

var (
	metricChannelSubscribers = nodeMetric("redis_pubsub_channel_subscribers", catalog.Gauge, catalog.None,
		"PUBSUB CHANNELS, PUBSUB NUMSUB",
		"Subscribers of the channels with the most subscribers on the node (pubsub.channels of them; the rest summed as \"(other)\").", "channel")
	metricSubscriptions = nodeMetric("redis_pubsub_subscriptions", catalog.Gauge, catalog.None,
		"PUBSUB NUMSUB over PUBSUB CHANNELS", "Channel subscriptions on the node (pattern subscriptions are redis_pubsub_patterns); not reported when the node has more than pubsub.max_channels channels.")
)

func init() { catalog.Register(metricChannelSubscribers, metricSubscriptions) }

// pubsubSource scrapes PUBSUB CHANNELS and NUMSUB: subscribers of the busiest channels. It
// counts the channels first (INFO stats pubsub_channels) and lists them only when there
// are at most max, so a node with a million channels costs one INFO, not a million-entry
// reply on every scrape.
type pubsubSource struct {
	top, max int
}

func (pubsubSource) Name() string            { return "pubsub" }
func (pubsubSource) appliesTo(m member) bool { return !m.sentinel() }

// maxChannelLabel bounds the channel label, in bytes.
const maxChannelLabel = 100

func (s pubsubSource) scrape(ctx context.Context, n *node, labels []string, e *collectors.Emitter) error {
	subs, listed, err := channelSubscribers(ctx, n, s.max)
	if err != nil || !listed {
		return err // not listed: too many channels to list on every scrape
	}
	total := 0.0
	for _, c := range subs {
		total += c.subscribers
	}
	if err := e.Emit(metricSubscriptions.Name, total, labels...); err != nil {
		return err
	}
	other, shown := 0.0, 0
	for _, c := range subs {
		if shown >= s.top || c.name == shape.Other {
			other += c.subscribers
			continue
		}
		shown++
		name := c.name
		if len(name) > maxChannelLabel {
			name = strings.ToValidUTF8(name[:maxChannelLabel], "") + "…"
		}
		if err := e.Emit(metricChannelSubscribers.Name, c.subscribers, withLabels(labels, name)...); err != nil {
			return err
		}
	}
	if shown < len(subs) {
		return e.Emit(metricChannelSubscribers.Name, other, withLabels(labels, shape.Other)...)
	}
	return nil
}

type channelCount struct {
	name        string
	subscribers float64
}

// channelSubscribers lists the node's channels with their subscribers, most first.
// listed is false when the node has more than limit channels and they were not listed.
func channelSubscribers(ctx context.Context, n *node, limit int) (subs []channelCount, listed bool, err error) {
	st, err := n.client.Info(ctx, "stats").Result()
	if err != nil {
		return nil, false, fmt.Errorf("INFO stats: %w", explain(n.addr, err))
	}
	count, _ := infoNumber(st, "pubsub_channels")
	if count > float64(limit) {
		return nil, false, nil
	}
	if count == 0 {
		return nil, true, nil
	}
	channels, err := n.client.PubSubChannels(ctx, "*").Result()
	if err != nil {
		return nil, false, fmt.Errorf("PUBSUB CHANNELS: %w", explain(n.addr, err))
	}
	if len(channels) == 0 {
		return nil, true, nil
	}
	if len(channels) > limit {
		channels = channels[:limit]
	}
	numsub, err := n.client.PubSubNumSub(ctx, channels...).Result()
	if err != nil {
		return nil, false, fmt.Errorf("PUBSUB NUMSUB: %w", explain(n.addr, err))
	}
	out := make([]channelCount, 0, len(numsub))
	for name, subs := range numsub {
		out = append(out, channelCount{name, float64(subs)})
	}
	slices.SortFunc(out, func(a, b channelCount) int {
		if a.subscribers != b.subscribers {
			if a.subscribers > b.subscribers {
				return -1
			}
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
	return out, true, nil
}
