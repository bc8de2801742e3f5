/**
 * Writes a file so readers see the old content or the new, never a torn one (temp file in the
 * same directory, then rename). Implemented once, in @reptile/layers (model files use it too).
 */
export { writeFileAtomic } from '@reptile/layers';
