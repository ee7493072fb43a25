package lvb

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// The fast decimal reader gives exactly what strconv.ParseFloat gives,
// or declines.
func TestSimpleDecimalAgreesWithParseFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := []string{"0", "-0", "1", "12.5", "0.001", "123456789012345", "1234567890123456", "1.", ".5", "-", "", "1e3", "00012.300", "999999.999999999"}
	for range 20000 {
		v := rng.Float64() * math.Pow(10, float64(rng.IntN(12)))
		inputs = append(inputs, strconv.FormatFloat(v, 'f', rng.IntN(9), 64))
	}
	for _, in := range inputs {
		got, ok := simpleDecimal([]byte(in))
		want, err := strconv.ParseFloat(in, 64)
		if ok && (err != nil || got != want) {
			t.Fatalf("%q: %v, strconv says %v (%v)", in, got, want, err)
		}
	}
	if _, ok := simpleDecimal([]byte("12.5")); !ok {
		t.Fatal("a plain decimal was declined")
	}
}
