using Verify.Fuzz.Engine;
using Verify.Impl.Cgroups;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Structures;

/// <summary>
/// PidAllocator against a bool per pid and the model's alloc_pid loop (cursor, RESERVED_PIDS,
/// wrap-around) written out plainly: random next-pid calls that are used or given up (a refused
/// fork), releases, long runs of used pids (so the summary skips full words), filling every pid
/// (no pid left), the cursor brought to exactly RESERVED_PIDS with only a lower pid free (where the
/// wrap-around still starts at 1) and resets with other CPU counts; the same pid and cursor every time, IsUsed,
/// UsedCount and NextUsed agree, and the S10 bitmap check holds after every step.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class PidAllocatorProperty(ITestOutputHelper output)
{
    public enum Kind { NextUsed, NextGivenUp, Release, FillRange, ReleaseRange, FillAll, AtReservedPids, Reset }

    public readonly record struct PidOp(Kind Kind, long A, long B)
    {
        public override string ToString() => $"{Kind} {A} {B}";
    }

    [Fact]
    public void TakesPidsAsAllocPidAndKeepsItsSummary()
    {
        StructureProperty.Check(output, nameof(TakesPidsAsAllocPidAndKeepsItsSummary), 10_000, Generate, Run);
    }

    private static PidOp Generate(SplitMix64 random)
    {
        long roll = random.Range(0, 999);
        var kind = roll switch
        {
            < 450 => Kind.NextUsed,
            < 550 => Kind.NextGivenUp,
            < 850 => Kind.Release,
            < 920 => Kind.FillRange,
            < 985 => Kind.ReleaseRange,
            < 990 => Kind.FillAll,
            < 995 => Kind.AtReservedPids,
            _ => Kind.Reset,
        };
        return new PidOp(kind, random.Range(0, 1 << 20), random.Range(0, 1 << 20));
    }

    private sealed class Plain(int cpus)
    {
        public readonly int PidMaxValue = PidMax(cpus);
        public readonly bool[] Used = new bool[PidMax(cpus)];
        public readonly List<int> UsedList = [];
        public int Cursor = 1;

        /// <summary>The model's AllocPid, over the bool array.</summary>
        public int Next()
        {
            int start = Cursor > ReservedPids ? ReservedPids : 1;
            for (int pid = Math.Max(start, Cursor); pid < PidMaxValue; pid++)
                if (!Used[pid]) return Cursor = pid + 1;
            for (int pid = start; pid < PidMaxValue; pid++)
                if (!Used[pid]) return Cursor = pid + 1;
            return 0;
        }

        public void Use(int pid, PidAllocator pids)
        {
            Used[pid] = true;
            UsedList.Add(pid);
            pids.Use(pid);
        }

        public void Release(int index, PidAllocator pids)
        {
            int pid = UsedList[index];
            UsedList[index] = UsedList[^1];
            UsedList.RemoveAt(UsedList.Count - 1);
            Used[pid] = false;
            pids.Release(pid);
        }
    }

    private static string? Run(IReadOnlyList<PidOp> ops)
    {
        var pids = new PidAllocator();
        pids.Reset(8);
        var plain = new Plain(8);
        for (int step = 0; step < ops.Count; step++)
        {
            var op = ops[step];
            int touched = -1;
            switch (op.Kind)
            {
                case Kind.NextUsed or Kind.NextGivenUp:
                    int expected = plain.Next() - 1; // the cursor is one past the pid taken; 0 - 1 when none is free
                    int pid = pids.Next();
                    if (pid != expected || pids.Cursor != plain.Cursor)
                        return $"step {step + 1} ({op}): next pid {pid} with cursor {pids.Cursor}, expected {expected} with cursor {plain.Cursor}";
                    if (pid > 0 && op.Kind == Kind.NextUsed) plain.Use(pid, pids);
                    touched = pid;
                    break;
                case Kind.Release when plain.UsedList.Count > 0:
                    int index = (int)(op.A % plain.UsedList.Count);
                    touched = plain.UsedList[index];
                    plain.Release(index, pids);
                    break;
                case Kind.FillRange or Kind.FillAll:
                    int from = op.Kind == Kind.FillAll ? 1 : 1 + (int)(op.A % (plain.PidMaxValue - 1));
                    int end = op.Kind == Kind.FillAll ? plain.PidMaxValue : (int)Math.Min(plain.PidMaxValue, from + op.B % 9000);
                    for (int p = from; p < end; p++)
                        if (!plain.Used[p]) plain.Use(p, pids);
                    break;
                case Kind.ReleaseRange:
                    int low = 1 + (int)(op.A % (plain.PidMaxValue - 1)), high = (int)Math.Min(plain.PidMaxValue, low + op.B % 9000);
                    for (int i = plain.UsedList.Count - 1; i >= 0; i--)
                        if (plain.UsedList[i] >= low && plain.UsedList[i] < high) plain.Release(i, pids);
                    break;
                case Kind.AtReservedPids:
                    for (int p = ReservedPids; p < plain.PidMaxValue; p++)
                        if (!plain.Used[p]) plain.Use(p, pids);
                    while (plain.Cursor < ReservedPids)
                    {
                        int taken = plain.Next() - 1, next = pids.Next();
                        if (next != taken) return $"step {step + 1} ({op}): next pid {next} on the way to the cursor {ReservedPids}, expected {taken}";
                        if (taken < 0) break;
                        plain.Use(taken, pids);
                    }
                    touched = 1 + (int)(op.B % (ReservedPids - 1));
                    if (plain.Used[touched]) plain.Release(plain.UsedList.IndexOf(touched), pids);
                    int wrapped = plain.Next() - 1, got = pids.Next();
                    if (got != wrapped) return $"step {step + 1} ({op}): with the cursor at {ReservedPids} and pid {touched} free, next pid {got}, expected {wrapped}";
                    break;
                case Kind.Reset:
                    int cpus = 1 + (int)(op.A % CpusMax);
                    pids.Reset(cpus);
                    plain = new Plain(cpus);
                    break;
                default:
                    continue;
            }
            if (pids.UsedCount != plain.UsedList.Count || pids.PidMaxValue != plain.PidMaxValue)
                return $"step {step + 1} ({op}): {pids.UsedCount} pids used below {pids.PidMaxValue}, expected {plain.UsedList.Count} below {plain.PidMaxValue}";
            foreach (int p in (int[])[touched - 1, touched, touched + 1, (int)(op.B % (plain.PidMaxValue + 70)) - 3])
            {
                bool used = p >= 0 && p < plain.PidMaxValue && plain.Used[p];
                if (pids.IsUsed(p) != used) return $"step {step + 1} ({op}): IsUsed({p}) is {pids.IsUsed(p)}";
            }
            int probe = (int)(op.A % (plain.PidMaxValue + 2));
            int nextUsed = Array.IndexOf(plain.Used, true, Math.Min(probe, plain.PidMaxValue));
            if (pids.NextUsed(probe) != nextUsed) return $"step {step + 1} ({op}): NextUsed({probe}) is {pids.NextUsed(probe)}, expected {nextUsed}";
            if (StructureProperty.Violation(report => pids.CheckConsistency(report, StructureInvariant.IdTables)) is { } broken)
                return $"step {step + 1} ({op}): {broken}";
        }
        return null;
    }
}
