/// The built-in synthetic benchmark suite.
