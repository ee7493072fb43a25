package redistest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// TLSFiles are the PEM files of a private CA made for one test: the CA,
// a certificate for 127.0.0.1 that it signed, and a client certificate.
type TLSFiles struct {
	CA                    string
	ServerCert, ServerKey string
	ClientCert, ClientKey string
	// AuthClients is redis-server's tls-auth-clients: "yes" asks every
	// client for a certificate of the CA, "no" asks none.
	AuthClients string
}

// NewCA makes a private CA and its certificates in a folder of the test's.
func NewCA(t T, authClients bool) *TLSFiles {
	t.Helper()
	dir := t.TempDir()
	caKey, caCert, caDER := newCert(t, "lvbstat test CA", nil, nil, true)
	write := func(name, kind string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	f := &TLSFiles{CA: write("ca.pem", "CERTIFICATE", caDER), AuthClients: "no"}
	if authClients {
		f.AuthClients = "yes"
	}
	key, _, der := newCert(t, "127.0.0.1", caCert, caKey, false)
	f.ServerCert = write("server.pem", "CERTIFICATE", der)
	f.ServerKey = write("server-key.pem", "EC PRIVATE KEY", marshalKey(t, key))
	key, _, der = newCert(t, "lvbstat plugin", caCert, caKey, false)
	f.ClientCert = write("client.pem", "CERTIFICATE", der)
	f.ClientKey = write("client-key.pem", "EC PRIVATE KEY", marshalKey(t, key))
	return f
}

func marshalKey(t T, k *ecdsa.PrivateKey) []byte {
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func newCert(t T, name string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, ca bool) (*ecdsa.PrivateKey, *x509.Certificate, []byte) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	if ca {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	} else {
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert, der
}

// clientConfig trusts the CA and presents the client certificate.
func (f *TLSFiles) clientConfig() *tls.Config {
	pool := x509.NewCertPool()
	if b, err := os.ReadFile(f.CA); err == nil {
		pool.AppendCertsFromPEM(b)
	}
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if pair, err := tls.LoadX509KeyPair(f.ClientCert, f.ClientKey); err == nil {
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg
}
