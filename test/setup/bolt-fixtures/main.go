// Command bolt-fixtures records the BoltDB files that test/unit/boltFixtures.test.ts reads with
// our own reader (src/core/storage/containerd/boltReader.ts), written by bbolt itself, with the
// truth of each read back by bbolt (read-only) and dumped as JSON. A recorder run by hand, like the
// other ones, not part of npm test; it needs Go and Debian's bbolt, both offline:
//
//	apt-get install -y golang-go golang-github-coreos-bbolt-dev   # bbolt 1.3.6 as go.etcd.io/bbolt
//	cd test/setup/bolt-fixtures && GO111MODULE=off GOPATH=/usr/share/gocode go run . -out ../../fixtures/bolt
//
// It writes into test/fixtures/bolt/ (gzipped databases and their truth):
//
//   - tree-4096.db.gz, tree-1024.db.gz, tree-16384.db.gz: one content at three page sizes: values
//     larger than a page (overflow pages), buckets nested seven levels deep, inline (small) and
//     non-inline buckets side by side at every level, an empty bucket, binary keys, an empty
//     value, keys larger than a page (overflowing leaf and branch pages), and enough long keys in
//     one bucket for branch pages under branch pages (depth 5 at 4096). tree.truth.json holds the
//     content (every bucket, every key in order, each value's length and sha256), the
//     same for all three files (checked here), and per file the page size, txid and bbolt's
//     Bucket.Stats() of every bucket (inline or not, depth, page counts), so a test can tell the
//     fixture still exercises what it is meant to.
//   - commit-n.db.gz: a database after its transaction N was committed (state N).
//   - mid-commit.db.gz: the same file while transaction N+1 commits, copied at the moment bbolt is
//     about to write N+1's meta page. bbolt commits by writing the dirty data pages and the
//     freelist (to pages free in state N, which N-1's tree may have used: here it did, pages 4
//     and 5), fdatasync, and only then
//     the meta page, in the slot txid%2 (the one holding N-1's meta). This program replaces bbolt's
//     file write function (db.ops.writeAt, the test hook bbolt's own tests use) with one that
//     copies the file just before the meta page write passes through. So the copy holds all of
//     N+1's data pages, the meta page of N in one slot and the stale one of N-1 in the other: a
//     reader must take N's (the newer valid one) and see state N exactly; N-1's tree is partly
//     overwritten. Checked here: the copy equals commit-n.db with N+1's data pages written, and
//     equals committed-n1.db but for the meta slot.
//   - torn-meta.db.gz: the same moment, the meta page write torn after its first 72 bytes (page
//     header and meta fields up to txid N+1, but the checksum still N-1's): the newer meta's
//     checksum fails, so a reader must take N's and see state N (one that ignored the checksum
//     would follow N+1's root and see state N+1).
//   - committed-n1.db.gz: the file once N+1's meta page is written (state N+1).
//   - both-metas-bad.db.gz: torn-meta.db with N's meta checksum also broken (one bit): no valid
//     meta page; bbolt refuses it too (its error is recorded) and a reader must say so.
//
// commit.truth.json holds states N and N+1 and, per file, which state bbolt reads from it (or its
// error). The files are the same byte for byte on every run (see update for how; checked by
// running it twice and comparing sha256sum).
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"
	"unsafe"

	bolt "go.etcd.io/bbolt"
)

// metaBodyThroughTxid is the bytes of a meta page before its checksum: the 16-byte page header,
// magic, version, page size, flags (4 each), root bucket (16), freelist, high-water page, txid (8 each).
const metaBodyThroughTxid = 16 + 16 + 16 + 8 + 8 + 8

func main() {
	out := flag.String("out", filepath.Join("..", "..", "fixtures", "bolt"), "folder to write the fixtures to")
	flag.Parse()
	work, err := os.MkdirTemp("", "bolt-fixtures-")
	must(err)
	defer os.RemoveAll(work)
	must(os.MkdirAll(*out, 0o755))
	recordTrees(work, *out)
	recordCommit(work, *out)
}

// ---- content ----

// text is n bytes of lines naming the value and their own offset: no page-sized stretch repeats
// (a reader that took the wrong page would get other bytes), and gzip still shrinks it.
func text(name string, n int) []byte {
	var b bytes.Buffer
	for off := 0; b.Len() < n; off = b.Len() {
		fmt.Fprintf(&b, "%s@%07d\n", name, off)
	}
	return b.Bytes()[:n]
}

func put(b *bolt.Bucket, key string, value []byte) {
	must(b.Put([]byte(key), value))
}

type creator interface {
	CreateBucket([]byte) (*bolt.Bucket, error)
}

func create(parent creator, name string) *bolt.Bucket {
	b, err := parent.CreateBucket([]byte(name))
	must(err)
	return b
}

// update runs fn in a transaction of its own on the bucket at path, creating the last one. bbolt
// spills a bucket's changed children in Go map order (random), so a transaction here changes one
// chain of buckets with at most one non-inline child each: then pages are taken in one order and
// the file is the same on every run.
func update(db *bolt.DB, path []string, fn func(b *bolt.Bucket)) {
	must(db.Update(func(tx *bolt.Tx) error {
		var b *bolt.Bucket
		for i, name := range path {
			switch {
			case i == len(path)-1 && b == nil:
				b = create(tx, name)
			case i == len(path)-1:
				b = create(b, name)
			case b == nil:
				b = tx.Bucket([]byte(name))
			default:
				b = b.Bucket([]byte(name))
			}
		}
		fn(b)
		return nil
	}))
}

// fillTree writes the content of the tree fixtures, the same at every page size.
func fillTree(db *bolt.DB) {
	// Values past a page at every page size recorded (16 KiB too), one of exactly a page, and
	// small keys between them, so overflow values sit inside a leaf.
	update(db, []string{"big"}, func(big *bolt.Bucket) {
		for _, n := range []int{1000, 1024, 4096, 4097, 9000, 17000, 40000} {
			put(big, fmt.Sprintf("v%05d", n), text(fmt.Sprintf("big/%d", n), n))
			put(big, fmt.Sprintf("v%05d-small", n), []byte("s"))
		}
		put(big, "empty-value", []byte{})
	})

	// Nested seven levels: each level has a few keys, an inline bucket (a few bytes: inline at
	// every page size), a non-inline one (more than a quarter of a 16 KiB page), and the next level.
	var path []string
	for depth := 1; depth <= 7; depth++ {
		path = append(path, fmt.Sprintf("deep-%d", depth))
		update(db, path, func(b *bolt.Bucket) {
			put(b, "a-key", []byte(fmt.Sprintf("level %d", depth)))
			inline := create(b, "b-inline")
			put(inline, "x", []byte(fmt.Sprintf("inline at %d", depth)))
			put(inline, "y", []byte{})
			wide := create(b, "c-wide")
			for i := 0; i < 24; i++ {
				put(wide, fmt.Sprintf("w%03d", i), text(fmt.Sprintf("wide/%d/%d", depth, i), 300))
			}
			if depth == 4 {
				put(b, "e-overflow", text("deep/4/overflow", 20000))
			}
			put(b, "z-key", []byte(fmt.Sprintf("last at %d", depth)))
		})
	}

	update(db, []string{"empty"}, func(*bolt.Bucket) {})

	// Binary keys (not UTF-8, control bytes), in byte order: a prefix before its extensions.
	update(db, []string{"binary"}, func(binary *bolt.Bucket) {
		for _, key := range [][]byte{{0xff}, {0x00}, {0x00, 0x00}, {0x01}, {0x7f}, {0x80}, {0xff, 0x00}, {0xc3, 0x28}, []byte("\x1b[31m")} {
			must(binary.Put(key, append([]byte("value of "), key...)))
		}
	})

	// Long keys (1000 bytes): few fit a page, so the tree needs branches on several levels.
	update(db, []string{"many"}, func(many *bolt.Bucket) {
		for i := 0; i < 48; i++ {
			key := fmt.Sprintf("key-%04d-%s", i, strings.Repeat(string(rune('a'+i%26)), 991))
			put(many, key, []byte(fmt.Sprintf("value %d", i)))
		}
	})

	// Keys larger than a page (but 16 KiB): leaf and branch pages that overflow.
	update(db, []string{"huge-keys"}, func(huge *bolt.Bucket) {
		for i := 0; i < 6; i++ {
			must(huge.Put(text(fmt.Sprintf("huge key %d", i), 5000), []byte(fmt.Sprintf("under huge key %d", i))))
		}
	})

	update(db, []string{"small"}, func(small *bolt.Bucket) {
		put(small, "one", []byte("1"))
		put(small, "two", []byte("2"))
	})
}

// ---- the truth, as bbolt reads it ----

type entry struct {
	// A key of up to 64 bytes is in Key when it is printable ASCII, else in KeyHex; a longer one
	// is given by its length and sha256.
	Key       string      `json:"key,omitempty"`
	KeyHex    string      `json:"keyHex,omitempty"`
	KeyLength *int        `json:"keyLength,omitempty"`
	KeySha256 string      `json:"keySha256,omitempty"`
	Length    *int        `json:"length,omitempty"`
	Sha256    string      `json:"sha256,omitempty"`
	Bucket    *bucketJSON `json:"bucket,omitempty"`
}

type bucketJSON struct {
	Entries []entry `json:"entries"`
}

type bucketStats struct {
	Inline        bool `json:"inline"`
	Depth         int  `json:"depth"`
	BranchPages   int  `json:"branchPages"`
	LeafPages     int  `json:"leafPages"`
	OverflowPages int  `json:"overflowPages"`
	InlineBuckets int  `json:"inlineBuckets"`
	Keys          int  `json:"keys"`
}

type fileView struct {
	PageSize int    `json:"pageSize,omitempty"`
	Txid     int    `json:"txid,omitempty"`
	State    string `json:"state,omitempty"`
	Error    string `json:"error,omitempty"`
	// Stats are bbolt's Bucket.Stats() of each bucket (path joined by "/", "" the root): that
	// bucket and all under it; depth counts page levels down through nested buckets.
	Stats map[string]bucketStats `json:"stats,omitempty"`
}

func keyOf(k []byte) entry {
	if len(k) > 64 {
		n, sum := len(k), sha256.Sum256(k)
		return entry{KeyLength: &n, KeySha256: hex.EncodeToString(sum[:])}
	}
	for _, c := range k {
		if c < 0x20 || c > 0x7e {
			return entry{KeyHex: hex.EncodeToString(k)}
		}
	}
	return entry{Key: string(k)}
}

func dumpBucket(b *bolt.Bucket, path string, stats map[string]bucketStats) *bucketJSON {
	s := b.Stats()
	stats[path] = bucketStats{
		Inline: b.Root() == 0, Depth: s.Depth, BranchPages: s.BranchPageN, LeafPages: s.LeafPageN,
		OverflowPages: s.BranchOverflowN + s.LeafOverflowN, InlineBuckets: s.InlineBucketN, Keys: s.KeyN,
	}
	out := &bucketJSON{Entries: []entry{}}
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		e := keyOf(k)
		if v == nil {
			name := string(k)
			if e.Key == "" || strings.Contains(name, "/") {
				panic("bucket names here are printable and have no /")
			}
			e.Bucket = dumpBucket(b.Bucket(k), strings.TrimPrefix(path+"/"+name, "/"), stats)
		} else {
			n := len(v)
			sum := sha256.Sum256(v)
			e.Length, e.Sha256 = &n, hex.EncodeToString(sum[:])
		}
		out.Entries = append(out.Entries, e)
	}
	return out
}

// readBack opens a copy of a file read-only with bbolt and dumps what bbolt sees.
func readBack(work string, data []byte) (*bucketJSON, fileView, error) {
	file := filepath.Join(work, "readback.db")
	must(os.WriteFile(file, data, 0o600))
	defer os.Remove(file)
	db, err := bolt.Open(file, 0o400, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return nil, fileView{}, err
	}
	defer db.Close()
	var root *bucketJSON
	view := fileView{PageSize: db.Info().PageSize, Stats: map[string]bucketStats{}}
	err = db.View(func(tx *bolt.Tx) error {
		view.Txid = int(tx.ID())
		root = dumpBucket(tx.Cursor().Bucket(), "", view.Stats)
		return nil
	})
	return root, view, err
}

// ---- writing ----

func open(file string, pageSize int) *bolt.DB {
	db, err := bolt.Open(file, 0o600, &bolt.Options{PageSize: pageSize, Timeout: time.Second})
	must(err)
	return db
}

func writeGzip(out, name string, data []byte) {
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	must(err)
	_, err = w.Write(data)
	must(err)
	must(w.Close())
	must(os.WriteFile(filepath.Join(out, name), b.Bytes(), 0o644))
	fmt.Printf("%-24s %7d bytes, %6d gzipped\n", name, len(data), b.Len())
}

func writeJSON(out, name string, value interface{}) {
	data, err := json.MarshalIndent(value, "", " ")
	must(err)
	must(os.WriteFile(filepath.Join(out, name), append(data, '\n'), 0o644))
	fmt.Printf("%-24s %7d bytes\n", name, len(data)+1)
}

func sameJSON(a, b interface{}) bool {
	x, err := json.Marshal(a)
	must(err)
	y, err := json.Marshal(b)
	must(err)
	return bytes.Equal(x, y)
}

func recordTrees(work, out string) {
	var content *bucketJSON
	files := map[string]fileView{}
	for _, pageSize := range []int{4096, 1024, 16384} {
		file := filepath.Join(work, fmt.Sprintf("tree-%d.db", pageSize))
		db := open(file, pageSize)
		fillTree(db)
		must(db.Close())
		data, err := os.ReadFile(file)
		must(err)
		root, view, err := readBack(work, data)
		must(err)
		if view.PageSize != pageSize {
			panic(fmt.Sprintf("asked for page size %d, bbolt wrote %d", pageSize, view.PageSize))
		}
		if content != nil && !sameJSON(content, root) {
			panic("the content differs between page sizes")
		}
		content = root
		name := fmt.Sprintf("tree-%d.db.gz", pageSize)
		files[name] = view
		writeGzip(out, name, data)
	}
	writeJSON(out, "tree.truth.json", map[string]interface{}{"content": content, "files": files})
}

// hookWrites puts before() in front of every write bbolt makes to the file (db.ops.writeAt, the
// field bbolt's own tests replace; unexported, so reached through reflect and unsafe).
func hookWrites(db *bolt.DB, before func(b []byte, off int64) (handled bool)) {
	field := reflect.ValueOf(db).Elem().FieldByName("ops").FieldByName("writeAt")
	writeAt := reflect.NewAt(field.Type(), unsafe.Pointer(field.UnsafeAddr())).Elem()
	original := writeAt.Interface().(func([]byte, int64) (int, error))
	writeAt.Set(reflect.ValueOf(func(b []byte, off int64) (int, error) {
		if before(b, off) {
			return len(b), nil
		}
		return original(b, off)
	}))
}

// commitToN writes states 1 to N of the commit fixtures, shaped like containerd's meta.db: one
// bucket "v1" with overflow values, inline buckets and an inline "labels", and a "config" beside it.
func commitToN(db *bolt.DB) {
	update(db, []string{"config"}, func(config *bolt.Bucket) { put(config, "schema", []byte("1")) })
	update(db, []string{"v1"}, func(v1 *bolt.Bucket) {
		put(v1, "blob-a", text("blob a, state 2", 5000))
		put(v1, "blob-b", text("blob b, state 2", 9000))
		for i := 0; i < 20; i++ {
			s := create(v1, fmt.Sprintf("snap-%02d", i))
			put(s, "kind", []byte("committed"))
			put(s, "name", []byte(fmt.Sprintf("default/%d/layer", i)))
		}
		put(create(v1, "labels"), "owner", []byte("n"))
	})
	must(db.Update(func(tx *bolt.Tx) error {
		v1 := tx.Bucket([]byte("v1"))
		for i := 20; i < 30; i++ {
			put(create(v1, fmt.Sprintf("snap-%02d", i)), "kind", []byte("active"))
		}
		put(v1, "blob-a", text("blob a, state 3", 6000))
		put(v1, "schema", []byte("2"))
		return nil
	}))
	must(db.Update(func(tx *bolt.Tx) error {
		v1 := tx.Bucket([]byte("v1"))
		for i := 0; i < 30; i += 3 {
			put(v1.Bucket([]byte(fmt.Sprintf("snap-%02d", i))), "parent", []byte(fmt.Sprintf("snap-%02d", i+1)))
		}
		return nil
	}))
}

// commitN1 changes nearly everything state N has, so a reader that follows the wrong meta page
// sees other keys and values: new, overwritten and deleted overflow values, inline buckets
// deleted and added, an inline bucket grown into a non-inline one (v1's only non-inline child,
// see update), a top-level bucket deleted and another added.
func commitN1(tx *bolt.Tx) error {
	v1 := tx.Bucket([]byte("v1"))
	put(v1, "blob-a", text("blob a, state N+1", 12000))
	must(v1.Delete([]byte("blob-b")))
	put(v1, "blob-c", text("blob c, state N+1", 4500))
	put(v1, "schema", []byte("3"))
	for i := 0; i < 30; i += 2 {
		must(v1.DeleteBucket([]byte(fmt.Sprintf("snap-%02d", i))))
	}
	for i := 30; i < 45; i++ {
		put(create(v1, fmt.Sprintf("snap-%02d", i)), "kind", []byte("view"))
	}
	labels := v1.Bucket([]byte("labels"))
	for i := 0; i < 40; i++ {
		put(labels, fmt.Sprintf("label-%03d", i), []byte("containerd.io/gc.ref.content"))
	}
	put(create(tx, "leases"), "lease-1", []byte("expires never"))
	return tx.DeleteBucket([]byte("config"))
}

func recordCommit(work, out string) {
	const pageSize = 4096
	file := filepath.Join(work, "commit.db")
	db := open(file, pageSize)
	commitToN(db)
	commitN, err := os.ReadFile(file)
	must(err)

	var midCommit, tornMeta []byte
	var metaSlot int64 = -1
	hookWrites(db, func(b []byte, off int64) bool {
		if off >= 2*pageSize {
			return false // A data or freelist page.
		}
		if len(b) != pageSize || midCommit != nil {
			panic("one meta page write was expected, of one page")
		}
		// The data pages are written and synced; the meta page is next.
		current, err := os.ReadFile(file)
		must(err)
		midCommit = current
		tornMeta = append([]byte(nil), current...)
		copy(tornMeta[off:], b[:metaBodyThroughTxid])
		metaSlot = off / pageSize
		return false
	})
	must(db.Update(commitN1))
	must(db.Close())
	committedN1, err := os.ReadFile(file)
	must(err)
	if midCommit == nil {
		panic("no meta page write was seen")
	}

	// The mid-commit copy is commit-n.db with data pages written (not the meta pages) …
	if !bytes.Equal(midCommit[:2*pageSize], commitN[:2*pageSize]) || bytes.Equal(midCommit, commitN) {
		panic("the mid-commit copy should differ from state N in data pages only")
	}
	// … and committed-n1.db but for the one meta slot.
	if len(midCommit) != len(committedN1) {
		panic("the file size changed after the data pages were written")
	}
	slot := [2]int64{metaSlot * pageSize, (metaSlot + 1) * pageSize}
	if !bytes.Equal(midCommit[:slot[0]], committedN1[:slot[0]]) || !bytes.Equal(midCommit[slot[1]:], committedN1[slot[1]:]) ||
		bytes.Equal(midCommit[slot[0]:slot[1]], committedN1[slot[0]:slot[1]]) {
		panic("the mid-commit copy should differ from state N+1 in its meta slot only")
	}

	// Both bad: N's meta (the other slot) loses one bit of its checksum as well.
	bothBad := append([]byte(nil), tornMeta...)
	other := (1 - metaSlot) * pageSize
	bothBad[other+metaBodyThroughTxid] ^= 0x01

	stateN, viewN, err := readBack(work, commitN)
	must(err)
	stateN1, viewN1, err := readBack(work, committedN1)
	must(err)
	if sameJSON(stateN, stateN1) {
		panic("states N and N+1 should differ")
	}
	files := map[string]fileView{}
	for _, f := range []struct {
		name string
		data []byte
	}{{"commit-n.db.gz", commitN}, {"mid-commit.db.gz", midCommit}, {"torn-meta.db.gz", tornMeta}, {"committed-n1.db.gz", committedN1}, {"both-metas-bad.db.gz", bothBad}} {
		root, view, err := readBack(work, f.data)
		switch {
		case err != nil:
			view = fileView{Error: err.Error()}
		case sameJSON(root, stateN):
			view.State = "N"
		case sameJSON(root, stateN1):
			view.State = "N+1"
		default:
			panic(f.name + ": bbolt reads neither state N nor N+1")
		}
		view.Stats = nil
		files[f.name] = view
		writeGzip(out, f.name, f.data)
	}
	expect := map[string]string{"commit-n.db.gz": "N", "mid-commit.db.gz": "N", "torn-meta.db.gz": "N", "committed-n1.db.gz": "N+1", "both-metas-bad.db.gz": ""}
	for name, state := range expect {
		if files[name].State != state || (state == "") != (files[name].Error != "") {
			panic(fmt.Sprintf("%s: bbolt reads %+v, expected state %q", name, files[name], state))
		}
	}
	writeJSON(out, "commit.truth.json", map[string]interface{}{
		"pageSize":   pageSize,
		"metaSlotN1": metaSlot,
		"N":          map[string]interface{}{"txid": viewN.Txid, "content": stateN, "stats": viewN.Stats},
		"N+1":        map[string]interface{}{"txid": viewN1.Txid, "content": stateN1, "stats": viewN1.Stats},
		"files":      files,
	})
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
