/**
 * Switches, pushbuttons and a retriggerable delay for machine.Pin, after
 * Peter Hinch's micropython-async primitives (Switch, Pushbutton, Delay_ms),
 * on the asyncio loop: edge-driven, one task per switch or button, timers on
 * the loop's timer heap, no host timer of their own.
 */
import { DelayMs } from "./delayms";
import { Pushbutton } from "./pushbutton";
import { Switch } from "./switch";
import { ESwitch } from "./eswitch";
import { EButton } from "./ebutton";
import { Keyboard, SwArray, CLOSE, OPEN, LONG, DOUBLE, SUPPRESS } from "./swarray";

export { DelayMs, Pushbutton, Switch };
export { ESwitch, EButton };
export type { ESwitchOptions } from "./eswitch";
export type { EButtonOptions } from "./ebutton";
export type { PushbuttonOptions } from "./pushbutton";
export type { SwitchOptions } from "./switch";
export type { InputPin } from "./debouncer";
export type { Callback } from "./launch";

export default { DelayMs, Pushbutton, Switch, ESwitch, EButton, Keyboard, SwArray, CLOSE, OPEN, LONG, DOUBLE, SUPPRESS };
export { Keyboard, SwArray, CLOSE, OPEN, LONG, DOUBLE, SUPPRESS };
export type { KeyboardOptions, SwArrayOptions, RowPin, ColPin } from "./swarray";
