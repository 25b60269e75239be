package data

// ClassNames returns the names of a dataset's ten classes, indexed by label.
func ClassNames(name string) []string {
	if name == "fashion-mnist" {
		return []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}
	}
	return []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
}
