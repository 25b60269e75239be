package explore

import (
	"testing"

	"github.com/tvae/tvae/internal/blastest"
)

func TestMain(m *testing.M) { blastest.Main(m) }
