// Stylesheets imported for their side effect: Bun's bundler folds them into the console's CSS.
declare module "*.css";
