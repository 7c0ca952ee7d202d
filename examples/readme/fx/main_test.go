package main

func Example() {
	main()
	// Output:
	// published: OrderPlaced of order-1
	// revenue: 42
}
