using Verify.Model;
using Verify.Model.Alphabet;
using Verify.Model.Contract;
using Verify.Impl;

namespace Verify.Fuzz.Harness;

/// <summary>
/// Runs a scenario on the model and the impl in lock step: resolves each operation's references,
/// dispatches it on both sides, compares outcomes and digests, checks invariants on both sides,
/// and stops at the first failure. The fresh machines are compared in full under CheckLevel.Full
/// and by digest under Cheap (a difference there gets the full comparison); every run ends with
/// the full comparison. Reusable: each Run resets both kernels, keeping their storage;
/// the kernels' Reset leaves nothing of an earlier run readable, so a reused runner gives exactly
/// the result of a fresh one (a property checks this). Shrinking and triage still confirm every
/// candidate on a Fresh() runner, so a failure they report never depends on what ran before.
/// </summary>
public sealed class Runner
{
    private readonly IKernel _model;
    private readonly IKernel _impl;
    private readonly HandleTable _handles = new();
    private readonly SelfCheckReport _selfCheck = new();

    private readonly Func<MachineConfig, IKernel> _implFactory;

    public Runner(Func<MachineConfig, IKernel>? implFactory = null)
    {
        _implFactory = implFactory ?? (m => new ImplKernel(m));
        _model = new ModelKernel(MachineConfig.Default);
        _impl = _implFactory(MachineConfig.Default);
    }

    /// <summary>A runner with the model on both sides and no self-checks: what a scenario does on the model, step by step (StepAnnotations, canonical references).</summary>
    public static Runner ModelOnly() => new(machine => new ModelKernel(machine)) { SelfChecks = false };

    /// <summary>A new runner with the same impl factory and settings, that has run nothing yet.</summary>
    public Runner Fresh() => new(_implFactory) { SelfChecks = SelfChecks };

    /// <summary>Runs the scenario on a Fresh() runner: the result depends on the scenario alone.</summary>
    public RunResult RunFresh(Scenario scenario, CheckLevel level = CheckLevel.Cheap) => Fresh().Run(scenario, level);

    public IKernel Model => _model;

    public IKernel Impl => _impl;

    /// <summary>The live and remembered freed handles; during AfterStep, as they were before the step.</summary>
    public HandleTable Handles => _handles;

    /// <summary>
    /// Whether full checks include the structures' self-checks (S*). On by default; off only to
    /// measure what they add (fuzz run --self-checks off).
    /// </summary>
    public bool SelfChecks { get; set; } = true;

    /// <summary>Called after every step on which both sides agreed, with the step's outcome (for coverage statistics).</summary>
    public Action<int, Op, Outcome>? AfterStep { get; set; }

    /// <summary>
    /// Called after every step that ran on both sides, before any check, with the step and both
    /// sides' outcomes and effects (StepAnnotations records them as trace comments).
    /// </summary>
    public Action<int, Outcome, EffectLog, Outcome, EffectLog>? Observe { get; set; }

    public RunResult Run(Scenario scenario, CheckLevel level = CheckLevel.Cheap)
    {
        var machine = scenario.Machine;
        var failure = Guard(-1, () =>
        {
            _model.Reset(machine);
            _impl.Reset(machine);
            // The fresh machines: compared in full under full checks; under cheap checks by digest (the
            // end of the sequence compares in full, and DeterminismTests hold Reset to a fresh kernel).
            if (level == CheckLevel.Full || _model.Digest != _impl.Digest) return CompareFully(-1);
            return null;
        });
        if (failure is not null) return new RunResult(failure, 0);
        if (level != CheckLevel.Full) (_modelBefore, _implBefore) = (null, null);
        _handles.Reset();
        foreach (var handle in Alphabet.InitialHandles(machine)) _handles.Add(handle);

        int opsCount = Math.Min(scenario.Ops.Count, Scenario.OpsMax);
        for (int step = 0; step < opsCount; step++)
        {
            failure = RunStep(step, scenario.Ops[step], level);
            if (failure is not null) return new RunResult(failure, step + 1);
        }
        failure = Guard(opsCount, () => CompareFully(opsCount));
        return new RunResult(failure, opsCount);
    }

    private Failure? RunStep(int step, Op op, CheckLevel level)
    {
        var spec = op.Spec;
        var args = new OpArgs();
        int consumedIndex = -1;
        Handle? consumed = null;
        for (int i = 0; i < spec.Args.Count; i++)
        {
            var arg = spec.Args[i];
            switch (arg.Kind)
            {
                case ArgKind.Int:
                    args.SetInt(i, op.Arg(i));
                    break;
                case ArgKind.Ref:
                    int index = _handles.ResolveLive(arg.RefKind, op.Arg(i));
                    if (index < 0) return null; // nothing live to refer to: the step is a no-op on both sides
                    var handle = _handles.LiveAt(arg.RefKind, index);
                    args.SetRef(i, handle);
                    if (i == spec.ConsumesArg) (consumedIndex, consumed) = (index, handle);
                    break;
                case ArgKind.StaleRef:
                    args.SetRef(i, _handles.ResolveStale(arg.RefKind, op.Arg(i), StaleOutsideValue(arg.RefKind)));
                    break;
            }
        }

        _model.Effects.Clear();
        _impl.Effects.Clear();
        Outcome modelOutcome, implOutcome;
        try { modelOutcome = spec.Execute(_model, args); }
        catch (Exception e) { return new Failure(step, Invariant.NoException, $"model threw {e.GetType().Name}: {e.Message}"); }
        try { implOutcome = spec.Execute(_impl, args); }
        catch (Exception e) { return new Failure(step, Invariant.NoException, $"impl threw {e.GetType().Name}: {e.Message}"); }
        Observe?.Invoke(step, modelOutcome, _model.Effects, implOutcome, _impl.Effects);
        if (modelOutcome != implOutcome)
        {
            return new Failure(step, Invariant.EquivalenceOutcome, $"outcomes differ: model {modelOutcome}, impl {implOutcome}",
                modelOutcome, implOutcome, DiffForReport());
        }
        if (!_model.Effects.SameAs(_impl.Effects))
        {
            return new Failure(step, Invariant.EquivalenceEffects, $"effects differ: model [{_model.Effects}], impl [{_impl.Effects}]",
                modelOutcome, implOutcome, DiffForReport());
        }

        AfterStep?.Invoke(step, op, modelOutcome);
        Handle? produced = null;
        if (modelOutcome.IsOk)
        {
            if (spec.Produces is not null)
            {
                produced = spec.Produces(args, modelOutcome);
                _handles.Add(produced.Value);
            }
            if (consumed is { } gone) _handles.Kill(gone.Kind, consumedIndex);
        }
        else
        {
            consumed = null;
        }

        try
        {
            var violation = StepInvariants.Check(_model, "model", produced, consumed)
                ?? StepInvariants.Check(_impl, "impl", produced, consumed);
            if (violation is not null) return new Failure(step, violation.Invariant, violation.ToString(), modelOutcome, implOutcome, DiffForReport());
            if (level == CheckLevel.Full) return CompareFully(step, new StepContext(op, args, modelOutcome));
            if (_model.Digest != _impl.Digest) return CompareFully(step);
            return null;
        }
        catch (Exception e)
        {
            return new Failure(step, Invariant.NoException, $"checking threw {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>A value no live object of the kind can have: past the last pfn, or past the last byte address (also above every id).</summary>
    private long StaleOutsideValue(HandleKind kind) =>
        kind == HandleKind.PageRun ? _model.Machine.Pages : (long)_model.Machine.Pages << KernelConstants.PageShift;

    /// <summary>The snapshot diff attached to an outcome divergence; a snapshot that throws is reported in the diff itself.</summary>
    private IReadOnlyList<string> DiffForReport()
    {
        try { return SnapshotDiff.Compare(_model.TakeSnapshot(), _impl.TakeSnapshot()); }
        catch (Exception e) { return [$"(taking a snapshot threw {e.GetType().Name}: {e.Message})"]; }
    }

    /// <summary>The step a full check follows, for the invariants that compare the state before and after it.</summary>
    private readonly record struct StepContext(Op Op, OpArgs Args, Outcome Outcome);

    /// <summary>The snapshots the last full check took (null when it was not the previous step's), for the per-step invariants.</summary>
    private Snapshot? _modelBefore, _implBefore;

    /// <summary>
    /// Full snapshot comparison, every full invariant and every structure's self-check (S*), on both
    /// sides; after a step under CheckLevel.Full also the per-step invariants against the previous snapshots.
    /// </summary>
    private Failure? CompareFully(int step, StepContext? context = null)
    {
        var modelSnapshot = _model.TakeSnapshot();
        var implSnapshot = _impl.TakeSnapshot();
        var broken = SelfChecks ? SelfCheck(_impl, "impl") : [];
        if (SelfChecks) broken.AddRange(SelfCheck(_model, "model"));
        broken.AddRange(SnapshotInvariants.Check(modelSnapshot, "model"));
        broken.AddRange(SnapshotInvariants.Check(implSnapshot, "impl"));
        if (context is { } done && _modelBefore is not null && _implBefore is not null)
        {
            CgroupInvariants.CheckStep(_modelBefore, modelSnapshot, done.Op, done.Args, done.Outcome, _model.Effects, (i, m) => broken.Add(new Violation(i, "model", m)));
            CgroupInvariants.CheckStep(_implBefore, implSnapshot, done.Op, done.Args, done.Outcome, _impl.Effects, (i, m) => broken.Add(new Violation(i, "impl", m)));
            MemcgInvariants.CheckStep(_modelBefore, modelSnapshot, done.Op, done.Args, done.Outcome, (i, m) => broken.Add(new Violation(i, "model", m)));
            MemcgInvariants.CheckStep(_implBefore, implSnapshot, done.Op, done.Args, done.Outcome, (i, m) => broken.Add(new Violation(i, "impl", m)));
            OomInvariants.CheckStep(_modelBefore, modelSnapshot, _model.Effects, (i, m) => broken.Add(new Violation(i, "model", m)));
            OomInvariants.CheckStep(_implBefore, implSnapshot, _impl.Effects, (i, m) => broken.Add(new Violation(i, "impl", m)));
            PoolInvariants.CheckStep(_modelBefore, modelSnapshot, done.Op, done.Args, done.Outcome, (i, m) => broken.Add(new Violation(i, "model", m)));
            PoolInvariants.CheckStep(_implBefore, implSnapshot, done.Op, done.Args, done.Outcome, (i, m) => broken.Add(new Violation(i, "impl", m)));
        }
        (_modelBefore, _implBefore) = (modelSnapshot, implSnapshot);
        var diff = SnapshotDiff.Compare(modelSnapshot, implSnapshot);
        if (broken.Count > 0)
        {
            return new Failure(step, broken[0].Invariant, string.Join("\n", broken.Select(v => v.ToString())), SnapshotDiff: diff);
        }
        if (diff.Count > 0)
            return new Failure(step, Invariant.EquivalenceSnapshot, "snapshots differ", SnapshotDiff: diff);
        var watermarks = MemcgInvariants.CompareWatermarks(modelSnapshot, implSnapshot);
        if (watermarks.Count > 0)
            return new Failure(step, Invariant.EquivalenceWatermarks, "watermarks differ beyond the stock bound", SnapshotDiff: watermarks);
        if (_model.Digest != _impl.Digest)
            return new Failure(step, Invariant.EquivalenceSnapshot, $"snapshots are equal but digests differ: model {_model.Digest:x16}, impl {_impl.Digest:x16}");
        return null;
    }

    private List<Violation> SelfCheck(IKernel kernel, string side)
    {
        _selfCheck.Clear();
        kernel.CheckConsistency(_selfCheck);
        return _selfCheck.Found.Select(found => new Violation(found.Invariant, side, found.Message)).ToList();
    }

    /// <summary>Runs a check; an exception from either side becomes an E3 failure at that step.</summary>
    private static Failure? Guard(int step, Func<Failure?> check)
    {
        try { return check(); }
        catch (Exception e) { return new Failure(step, Invariant.NoException, $"threw {e.GetType().Name}: {e.Message}"); }
    }
}
