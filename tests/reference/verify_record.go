// Command verify_record checks Consult's evidence record with Go's reference
// implementation of C2SP signed notes and transparency logs: golang.org/x/mod/sumdb/note
// and golang.org/x/mod/sumdb/tlog (as Debian packages them: x/mod 0.7.0, Go 1.19).
// It uses nothing of Consult's own code, only the standard library and those two packages.
//
// Build it in GOPATH mode against Debian's golang-golang-x-mod-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=$(mktemp -d) \
//	    go build -o verify_record tests/reference/verify_record.go
//
// and run it on a description of what a log served (a file, or - for standard input):
//
//	./verify_record record.json
//
// The description is JSON (format "consult-reference-check/1"; hashes in lower-case hex,
// as the /bewijs pages serve them; leaf bytes and notes as served):
//
//	{
//	  "format": "consult-reference-check/1",
//	  "origin": "consult.example.nl/record",
//	  "vkeys": ["consult.example.nl/record+1a2b3c4d+AU…"],
//	  "checkpoints": [{"name": "checkpoint 3", "note": "<signed note text>"}],
//	  "inclusion": [{"name": "…", "leaf_b64": "<the leaf's bytes>", "leaf_hash": "<hex>",
//	                 "index": 5, "tree_size": 12, "proof": ["<hex>", …],
//	                 "checkpoint": "<signed note, optional>", "promise": "<signed note, optional>"}],
//	  "consistency": [{"name": "…", "old_size": 4, "new_size": 12, "proof": ["<hex>", …],
//	                   "old_checkpoint": "<signed note, optional>",
//	                   "new_checkpoint": "<signed note, optional>"}]
//	}
//
// What is checked:
//
//   - every checkpoint: note.Open with the verifier keys (the key hash and the Ed25519
//     signature), its first line is the log's origin, and tlog.ParseTree reads its size and
//     root. (ParseTree of x/mod 0.7.0 knows only the Go checksum database's first line,
//     "go.sum database tree"; so once the origin line is checked, it is given the rest of
//     the body behind that line. It checks the decimal size, the 32-byte base64 root, and
//     ignores extension lines such as "time …", as C2SP tlog-checkpoint allows.)
//     Two checkpoints of one size with different roots are a fork, and fail.
//   - every inclusion proof: the leaf hash is tlog.RecordHash of the leaf's bytes (and equals
//     leaf_hash when both are given), and tlog.CheckRecord against the root of a checkpoint
//     of that tree size (the one given with the proof, opened as above, or one of the
//     checkpoints list). With a promise (Consult's signed receipt: "consult-promise/v1",
//     origin, index, base64 leaf hash, "time …"), note.Open checks its signature and that
//     it names this index and leaf hash, so the promise is kept.
//   - every consistency proof: tlog.CheckTree between the roots of checkpoints of the two
//     sizes.
//
// Roots come only from signed checkpoints that passed note.Open, never from the proofs.
// It prints one line per item (OK or FAIL with the reason), a summary per kind, and exits
// 0 when everything holds, 1 when something failed, 2 when the input cannot be read.
//
// Tiles (C2SP tlog-tiles) fit in as one more kind in the checks table below: a reader of
// tile files given to tlog.TileHashReader(tree, reader) for each checked tree, then
// tlog.TreeHash(tree.N, hashReader) must equal the checkpoint's root, and every leaf hash
// (tlog.HashFromTile) its entry's tlog.RecordHash.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const (
	format        = "consult-reference-check/1"
	promisePrefix = "consult-promise/v1"
	// The first line tlog.ParseTree of x/mod 0.7.0 requires (the Go checksum database's).
	goTreeLine = "go.sum database tree"
)

type namedNote struct {
	Name string `json:"name"`
	Note string `json:"note"`
}

type inclusionItem struct {
	Name       string   `json:"name"`
	LeafB64    string   `json:"leaf_b64"`
	LeafHash   string   `json:"leaf_hash"`
	Index      int64    `json:"index"`
	TreeSize   int64    `json:"tree_size"`
	Proof      []string `json:"proof"`
	Checkpoint string   `json:"checkpoint"`
	Promise    string   `json:"promise"`
}

type consistencyItem struct {
	Name          string   `json:"name"`
	OldSize       int64    `json:"old_size"`
	NewSize       int64    `json:"new_size"`
	Proof         []string `json:"proof"`
	OldCheckpoint string   `json:"old_checkpoint"`
	NewCheckpoint string   `json:"new_checkpoint"`
}

type input struct {
	Format      string            `json:"format"`
	Origin      string            `json:"origin"`
	VKeys       []string          `json:"vkeys"`
	Checkpoints []namedNote       `json:"checkpoints"`
	Inclusion   []inclusionItem   `json:"inclusion"`
	Consistency []consistencyItem `json:"consistency"`
}

// checker holds what the checks share: the verifiers, the log's origin, and the roots of
// the checkpoints that passed (by tree size).
type checker struct {
	origin    string
	verifiers note.Verifiers
	roots     map[int64]tlog.Hash
	ok        map[string]int
	failed    map[string]int
	out       io.Writer
}

func (c *checker) report(kind, name string, err error) {
	if err != nil {
		c.failed[kind]++
		fmt.Fprintf(c.out, "FAIL %s %s: %v\n", kind, name, err)
		return
	}
	c.ok[kind]++
	fmt.Fprintf(c.out, "OK   %s %s\n", kind, name)
}

// openCheckpoint checks a checkpoint note with the reference implementation and returns
// its tree (size and root).
func (c *checker) openCheckpoint(text string) (tlog.Tree, error) {
	n, err := note.Open([]byte(text), c.verifiers)
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("note.Open: %w", err)
	}
	origin, rest, found := strings.Cut(n.Text, "\n")
	if !found || origin != c.origin {
		return tlog.Tree{}, fmt.Errorf("the first line %q is not the log's origin %q", origin, c.origin)
	}
	tree, err := tlog.ParseTree([]byte(goTreeLine + "\n" + rest))
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("tlog.ParseTree: %w", err)
	}
	return tree, nil
}

// remember keeps a checked tree's root, failing when another checked checkpoint of the same
// size has another root (a fork, or a rewritten history).
func (c *checker) remember(tree tlog.Tree) error {
	if known, ok := c.roots[tree.N]; ok && known != tree.Hash {
		return fmt.Errorf("fork: two signed checkpoints of size %d have the roots %x and %x", tree.N, known, tree.Hash)
	}
	c.roots[tree.N] = tree.Hash
	return nil
}

// rootOf gives the root of the tree of “size“ leaves: from the checkpoint note given with
// the proof (opened and checked here), or from a checked checkpoint of that size.
func (c *checker) rootOf(size int64, checkpoint string) (tlog.Hash, error) {
	if checkpoint != "" {
		tree, err := c.openCheckpoint(checkpoint)
		if err != nil {
			return tlog.Hash{}, fmt.Errorf("its checkpoint: %w", err)
		}
		if tree.N != size {
			return tlog.Hash{}, fmt.Errorf("its checkpoint is of size %d, not %d", tree.N, size)
		}
		if err := c.remember(tree); err != nil {
			return tlog.Hash{}, err
		}
		return tree.Hash, nil
	}
	root, ok := c.roots[size]
	if !ok {
		return tlog.Hash{}, fmt.Errorf("no checked checkpoint of size %d", size)
	}
	return root, nil
}

func parseHash(text string) (tlog.Hash, error) {
	var h tlog.Hash
	raw, err := hex.DecodeString(text)
	if err != nil || len(raw) != tlog.HashSize || hex.EncodeToString(raw) != text {
		return h, fmt.Errorf("%q is not a 32-byte hash in lower-case hex", text)
	}
	copy(h[:], raw)
	return h, nil
}

func parseHashes(texts []string) ([]tlog.Hash, error) {
	hashes := make([]tlog.Hash, 0, len(texts))
	for _, text := range texts {
		h, err := parseHash(text)
		if err != nil {
			return nil, err
		}
		hashes = append(hashes, h)
	}
	return hashes, nil
}

func (c *checker) checkCheckpoint(item namedNote) error {
	tree, err := c.openCheckpoint(item.Note)
	if err != nil {
		return err
	}
	return c.remember(tree)
}

// checkPromise opens a promise note and checks that it promises leaf “index“ with “leaf“.
func (c *checker) checkPromise(text string, index int64, leaf tlog.Hash) error {
	n, err := note.Open([]byte(text), c.verifiers)
	if err != nil {
		return fmt.Errorf("promise: note.Open: %w", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 5 || lines[0] != promisePrefix || lines[1] != c.origin {
		return errors.New("promise: not a consult-promise/v1 of this log")
	}
	promised, err := strconv.ParseInt(lines[2], 10, 64)
	if err != nil || strconv.FormatInt(promised, 10) != lines[2] || promised != index {
		return fmt.Errorf("promise: it promises leaf %q, not %d", lines[2], index)
	}
	hash, err := base64.StdEncoding.DecodeString(lines[3])
	if err != nil || !bytes.Equal(hash, leaf[:]) {
		return fmt.Errorf("promise: it promises the leaf hash %q, not %s", lines[3], base64.StdEncoding.EncodeToString(leaf[:]))
	}
	return nil
}

func (c *checker) checkInclusion(item inclusionItem) error {
	leaf, err := leafOf(item)
	if err != nil {
		return err
	}
	if item.LeafB64 != "" && item.LeafHash != "" {
		given, err := parseHash(item.LeafHash)
		if err != nil {
			return fmt.Errorf("leaf_hash: %w", err)
		}
		if given != leaf {
			return fmt.Errorf("leaf_hash %s is not tlog.RecordHash of the leaf's bytes (%x)", item.LeafHash, leaf)
		}
	}
	proof, err := parseHashes(item.Proof)
	if err != nil {
		return fmt.Errorf("proof: %w", err)
	}
	root, err := c.rootOf(item.TreeSize, item.Checkpoint)
	if err != nil {
		return err
	}
	if err := tlog.CheckRecord(tlog.RecordProof(proof), item.TreeSize, root, item.Index, leaf); err != nil {
		return fmt.Errorf("tlog.CheckRecord: %w", err)
	}
	return nil
}

// leafOf is the leaf hash of an inclusion item: tlog.RecordHash of its bytes (the RFC 9162
// leaf hash, SHA-256 of 0x00 and the bytes), or the leaf_hash given instead of them.
func leafOf(item inclusionItem) (tlog.Hash, error) {
	switch {
	case item.LeafB64 != "":
		data, err := base64.StdEncoding.DecodeString(item.LeafB64)
		if err != nil {
			return tlog.Hash{}, fmt.Errorf("leaf_b64: %w", err)
		}
		return tlog.RecordHash(data), nil
	case item.LeafHash != "":
		leaf, err := parseHash(item.LeafHash)
		if err != nil {
			return tlog.Hash{}, fmt.Errorf("leaf_hash: %w", err)
		}
		return leaf, nil
	}
	return tlog.Hash{}, errors.New("neither leaf_b64 nor leaf_hash")
}

func (c *checker) checkConsistency(item consistencyItem) error {
	proof, err := parseHashes(item.Proof)
	if err != nil {
		return fmt.Errorf("proof: %w", err)
	}
	older, err := c.rootOf(item.OldSize, item.OldCheckpoint)
	if err != nil {
		return fmt.Errorf("old tree: %w", err)
	}
	newer, err := c.rootOf(item.NewSize, item.NewCheckpoint)
	if err != nil {
		return fmt.Errorf("new tree: %w", err)
	}
	if err := tlog.CheckTree(tlog.TreeProof(proof), item.NewSize, newer, item.OldSize, older); err != nil {
		return fmt.Errorf("tlog.CheckTree: %w", err)
	}
	return nil
}

func readInput(path string) (*input, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	var in input
	if err := decoder.Decode(&in); err != nil {
		return nil, err
	}
	if in.Format != format {
		return nil, fmt.Errorf("format %q, expected %q", in.Format, format)
	}
	if in.Origin == "" || len(in.VKeys) == 0 {
		return nil, errors.New("an origin and at least one verifier key (vkeys) are needed")
	}
	return &in, nil
}

func newChecker(in *input, out io.Writer) (*checker, error) {
	var verifiers []note.Verifier
	for _, vkey := range in.VKeys {
		verifier, err := note.NewVerifier(vkey)
		if err != nil {
			return nil, fmt.Errorf("verifier key %q: %w", vkey, err)
		}
		if verifier.Name() != in.Origin {
			return nil, fmt.Errorf("verifier key %q is not named after the origin %q", vkey, in.Origin)
		}
		verifiers = append(verifiers, verifier)
	}
	return &checker{
		origin:    in.Origin,
		verifiers: note.VerifierList(verifiers...),
		roots:     map[int64]tlog.Hash{},
		ok:        map[string]int{},
		failed:    map[string]int{},
		out:       out,
	}, nil
}

// What is counted, in the order of the summary (a promise is checked with its inclusion).
var kinds = []string{"checkpoint", "inclusion", "promise", "consistency"}

// The checks, in order: checkpoints first, as the proofs use their roots. Another kind
// (tiles) is one more entry here and in kinds.
var checks = []struct {
	kind string
	run  func(c *checker, in *input)
}{
	{"checkpoint", func(c *checker, in *input) {
		for _, item := range in.Checkpoints {
			c.report("checkpoint", item.Name, c.checkCheckpoint(item))
		}
	}},
	{"inclusion", func(c *checker, in *input) {
		for _, item := range in.Inclusion {
			err := c.checkInclusion(item)
			c.report("inclusion", item.Name, err)
			if item.Promise == "" {
				continue
			}
			// A promise is kept when a signed checkpoint holds its leaf: the inclusion above.
			if err != nil {
				c.report("promise", item.Name, errors.New("not shown kept: its inclusion proof failed"))
				continue
			}
			leaf, err := leafOf(item)
			if err == nil {
				err = c.checkPromise(item.Promise, item.Index, leaf)
			}
			c.report("promise", item.Name, err)
		}
	}},
	{"consistency", func(c *checker, in *input) {
		for _, item := range in.Consistency {
			c.report("consistency", item.Name, c.checkConsistency(item))
		}
	}},
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: verify_record FILE.json (or - for standard input)")
		os.Exit(2)
	}
	in, err := readInput(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "verify_record: cannot read the input: %v\n", err)
		os.Exit(2)
	}
	c, err := newChecker(in, os.Stdout)
	if err != nil {
		fmt.Fprintf(os.Stderr, "verify_record: %v\n", err)
		os.Exit(2)
	}
	for _, check := range checks {
		check.run(c, in)
	}
	failures := 0
	for _, kind := range kinds {
		failures += c.failed[kind]
		fmt.Printf("SUMMARY %s: %d ok, %d failed\n", kind, c.ok[kind], c.failed[kind])
	}
	if failures > 0 {
		fmt.Printf("RESULT: FAILED (%d)\n", failures)
		os.Exit(1)
	}
	fmt.Println("RESULT: ALL OK")
}
