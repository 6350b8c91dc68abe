namespace Verify.Model.Contract;

/// <summary>
/// What one kernel call returned: success with a value (a page frame number, an address, an id)
/// or an errno. Expected failures are outcomes; an exception from a call is always a bug.
/// </summary>
public readonly record struct Outcome(Errno Errno, long Value)
{
    public bool IsOk => Errno == Errno.Ok;

    public static Outcome Ok(long value) => new(Errno.Ok, value);

    public static Outcome Fail(Errno errno) => new(errno, 0);

    public override string ToString() => IsOk ? $"ok {Value}" : Errno.ToString();
}
