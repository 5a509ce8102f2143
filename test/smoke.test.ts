import { expect } from "chai";
describe("toolchain", () => { it("works", () => { expect(1 + 1).to.equal(2); }); });
