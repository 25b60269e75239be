package data

// fileInfo is what we know about one official dataset file.
type fileInfo struct {
	sha256 string // hex sha256 of the decoded (uncompressed) IDX bytes
	count  int    // number of images or labels
}

// knownFiles maps "<dataset>/<file base name>" to its expected content.
// Hashes are of the uncompressed bytes because the gzip wrappers differ between
// mirrors while the content does not (values copied from the shared data README).
// It is a variable only so that tests can swap in tiny synthetic files.
var knownFiles = map[string]fileInfo{
	"mnist/train-images-idx3-ubyte":         {"ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 60000},
	"mnist/train-labels-idx1-ubyte":         {"65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 60000},
	"mnist/t10k-images-idx3-ubyte":          {"0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", 10000},
	"mnist/t10k-labels-idx1-ubyte":          {"ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", 10000},
	"fashion-mnist/train-images-idx3-ubyte": {"c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", 60000},
	"fashion-mnist/train-labels-idx1-ubyte": {"bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", 60000},
	"fashion-mnist/t10k-images-idx3-ubyte":  {"5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", 10000},
	"fashion-mnist/t10k-labels-idx1-ubyte":  {"0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", 10000},
}
