package oracle

import (
	"context"
	"testing"
	"time"
)

type fakeContainer struct {
	image      string
	terminated chan struct{}
}

func (f *fakeContainer) Image() string { return f.image }
func (f *fakeContainer) Terminate(context.Context) error {
	close(f.terminated)
	return nil
}

func newFake(image string) *fakeContainer {
	return &fakeContainer{image: image, terminated: make(chan struct{})}
}

func TestPoolGivesAContainerOnlyForItsImage(t *testing.T) {
	p := &pool{idleFor: time.Hour}
	a := newFake("gvenzl/oracle-free:23-slim-faststart")
	p.put(a)
	if got := p.take("gvenzl/oracle-free:23.5-slim-faststart"); got != nil {
		t.Errorf("took %v for another image", got)
	}
	if got := p.take(a.image); got != a {
		t.Errorf("took %v, want the kept container", got)
	}
	if got := p.take(a.image); got != nil || p.size() != 0 {
		t.Errorf("took %v the second time (size %d): a container serves one scenario at a time", got, p.size())
	}
	select {
	case <-a.terminated:
		t.Error("a container taken back was terminated")
	default:
	}
}

func TestPoolTerminatesWhatNobodyTakes(t *testing.T) {
	p := &pool{idleFor: time.Millisecond}
	a := newFake("img")
	p.put(a)
	select {
	case <-a.terminated:
	case <-time.After(time.Minute):
		t.Fatal("an idle container was never terminated")
	}
	if p.take("img") != nil || p.size() != 0 {
		t.Error("a terminated container is still in the pool")
	}
}
