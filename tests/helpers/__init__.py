"""Plain helpers of the tests: paths, small worlds, naive references, stand-ins and shared checks."""
