/** Stylesheets are bundled by Bun into the dashboard's CSS file (src/dashboard/bundle.ts). */
declare module '*.css'
