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
