// examples/button-blink.ts, imported for its effect (it runs the app); the
// manifest maps the name, this tells tsc -p tsconfig.moddable.json about it.
declare module "button-blink";
