// The console type-checks with the DOM library, and its one server import (the router's type) pulls server files
// into the program. Where Bun's globals differ from the DOM's, those files need Bun's shape: declared here.
interface Worker {
  ref(): void;
  unref(): void;
}
