// The console is a client-side app over tRPC; nothing here is useful without a signed-in planner.
export const ssr = false;
