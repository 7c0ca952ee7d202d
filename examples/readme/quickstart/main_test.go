package main

func Example() {
	main()
	// Output:
	// order-1: amount 99, carrier DHL, version 2
	// snapshot: true at sequence 2
	// stale copy refused: true
}
