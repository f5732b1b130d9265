import { resetBackend } from './backend';

afterEach(() => {
  // Fails the test that made a request no fake route answers.
  resetBackend();
});

// jsdom has no canvas; Combobox measures option text with a 2D context. Approximate widths are enough.
HTMLCanvasElement.prototype.getContext = (() => ({
  font: '',
  measureText: (text: string) => ({ width: text.length * 7 }),
})) as unknown as typeof HTMLCanvasElement.prototype.getContext;

// jsdom has no ResizeObserver (Drawer) nor IntersectionObserver (Combobox's virtualised list).
if (!('ResizeObserver' in window)) {
  class NoResizeObserver {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
  Object.assign(window, { ResizeObserver: NoResizeObserver });
}
if (!('IntersectionObserver' in window)) {
  class NoIntersectionObserver {
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() {
      return [];
    }
  }
  Object.assign(window, { IntersectionObserver: NoIntersectionObserver });
}
