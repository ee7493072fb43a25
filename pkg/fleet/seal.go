package fleet

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
)

// keys are what one space's secrets derive: anyone who can write to the
// shared Redis but does not hold the data source's credential can neither
// read a value, nor forge or move one, nor test a guessed stream name.
type keys struct {
	aead cipher.AEAD // seals values, with their key's name as associated data
	name []byte      // HMAC key of every name that reaches Redis
}

// deriveKeys derives a space's keys from its identity, which holds a
// digest of the credential (see Store.Space).
func deriveKeys(identity string) (keys, error) {
	secret := []byte(identity)
	sealKey, err := hkdf.Key(sha256.New, secret, []byte(keySalt), "lvbstat fleet value seal", 32)
	if err != nil {
		return keys{}, err
	}
	nameKey, err := hkdf.Key(sha256.New, secret, []byte(keySalt), "lvbstat fleet names", 32)
	if err != nil {
		return keys{}, err
	}
	block, err := aes.NewCipher(sealKey)
	if err != nil {
		return keys{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return keys{}, err
	}
	return keys{aead: aead, name: nameKey}, nil
}

// keySalt changes with the format of what is kept: values of an older
// format are then simply never found (it is a cache; nothing migrates).
const keySalt = "lvbstat/fleet/v2"

// digest names parts (a stream, a request) in a key: keyed, so that a
// reader of Redis learns nothing by hashing a guess.
func (k keys) digest(parts ...string) string {
	m := hmac.New(sha256.New, k.name)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil)[:12])
}

// seal encrypts and authenticates payload for the Redis key name: a value
// opens only under the key it was written for, unchanged.
func (k keys) seal(name string, payload []byte) []byte {
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(payload)+k.aead.Overhead())
	_, _ = rand.Read(nonce)
	return k.aead.Seal(nonce, nonce, payload, []byte(name))
}

// open is seal's inverse; ok is false for anything not sealed by this
// space for this key, whole.
func (k keys) open(name string, value []byte) ([]byte, bool) {
	n := k.aead.NonceSize()
	if len(value) < n+k.aead.Overhead() {
		return nil, false
	}
	payload, err := k.aead.Open(nil, value[:n], value[n:], []byte(name))
	return payload, err == nil
}

// A lease's value names its holder (for the logs of those who wait) and
// carries a token and a beat that the holder renews, under a tag that only
// this space can make: holder " " token " " beat " " tag.
func (k keys) leaseValue(name, holder, token string, beat int) string {
	body := strings.Join([]string{holder, token, strconv.Itoa(beat)}, " ")
	return body + " " + k.tag(name, body)
}

func (k keys) tag(name, body string) string {
	m := hmac.New(sha256.New, k.name)
	m.Write([]byte("lease\x00" + name + "\x00" + body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// readLease returns the holder and token of a lease value written by this
// space for name, or ok = false for a value that this space did not write.
func (k keys) readLease(name, value string) (holder, token string, ok bool) {
	i := strings.LastIndexByte(value, ' ')
	if i < 0 || !hmac.Equal([]byte(value[i+1:]), []byte(k.tag(name, value[:i]))) {
		return "", "", false
	}
	f := strings.Fields(value[:i])
	if len(f) != 3 {
		return "", "", false
	}
	return f[0], f[1], true
}

// doneToken marks a lease given back with its answer shared: kept a few
// seconds, so that a replica asking just after is sent to the answer
// instead of fetching again. A real token is never this word.
const doneToken = "done"
