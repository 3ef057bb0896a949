/** A ticket stub; decorative, the brand name beside it says what it is. */
export function BrandMark() {
  return (
    <svg className="brand__mark" viewBox="0 0 32 32" width="32" height="32" aria-hidden="true" focusable="false">
      <path
        d="M4 9a3 3 0 0 1 3-3h18a3 3 0 0 1 3 3v3.2a3.8 3.8 0 0 0 0 7.6V23a3 3 0 0 1-3 3H7a3 3 0 0 1-3-3v-3.2a3.8 3.8 0 0 0 0-7.6Z"
        fill="currentColor"
      />
      <path d="M20 8.5v15" stroke="var(--header-bg, #1e1b4b)" strokeWidth="1.6" strokeDasharray="2 2" />
    </svg>
  );
}
