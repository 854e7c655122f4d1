// The one failure that is not bad input: a compiled bundle disagreeing with the reference
// interpreter beyond tolerance. The CLI exits with status 1 for it (2 is bad input).

export class VerificationFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerificationFailure';
  }
}
