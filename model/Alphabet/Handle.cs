namespace Verify.Model.Alphabet;

/// <summary>
/// A live (or freed) object as the runner tracks it: its kind, the value the kernel returned
/// (a pfn, an address, an id), and what the call that freed it needs to know (Aux, Flavor).
/// </summary>
public readonly record struct Handle(HandleKind Kind, long Value, long Aux, byte Flavor);
