import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/** The console has just loaded: the browser's own focus handling (top of the page, skip link first) applies. */
let firstPage = true;

/**
 * The page's h1, focused when the operator moves to another page (not on the first load): a screen
 * reader announces the new page and the next Tab starts from the top of its content.
 */
export function PageHeading({ children }: { children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (firstPage) {
      firstPage = false;
      return;
    }
    heading.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 ref={heading} tabIndex={-1}>
      {children}
    </h1>
  );
}
