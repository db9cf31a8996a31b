// The app is rendered in the browser: the server in server/ only serves the shell and the API.
export const ssr = false;
export const prerender = false;
