// The fitter app runs in the browser only: its shell will be precached for offline work, and all
// data comes over tRPC (later from the device's own database).
export const ssr = false;
