import { render } from 'preact';
import { App } from './app.tsx';
import './styles.css';

const root = document.getElementById('app');
if (root) {
  // Replaces the "Loading…" text that shows until (or unless) this script runs.
  root.replaceChildren();
  render(<App />, root);
}
