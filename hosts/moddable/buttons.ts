// The "buttons" module of Moddable apps (modules/buttons, named buttons/* so its relative imports resolve).
export * from "buttons/index";
export { default } from "buttons/index";
