using Verify.Model.Contract;

namespace Verify.Impl.Cgroups;

/// <summary>TEMPORARY: delegates to the model until the optimized structures land (helper branch h-cgroups-impl).</summary>
public sealed class ProcessContainers(EffectLog effects)
{
    private Verify.Model.Cgroups.ProcessContainers _model = new(MachineConfig.Default, effects);
    private int _cpus;

    public void Reset(MachineConfig machine)
    {
        _model = new(machine, effects);
        _cpus = machine.Cpus;
    }

    public ulong Digest => _model.Digest();
    public long CurrentTask => _model.CurrentTask;
    public int CurrentCpu => _model.CurrentCpu;
    public List<CgroupInfo> Cgroups() => _model.Cgroups();
    public List<TaskInfo> Tasks() => _model.Tasks();
    public void CheckConsistency(SelfCheckReport report) { }
    public Outcome Fork(long pid) => _model.Fork(pid);
    public Outcome Exit(long pid) => _model.Exit(pid);
    public Outcome Exec(long pid) => _model.Exec(pid);
    public Outcome Attach(long pid, long cgroupId) => _model.Attach(pid, cgroupId);
    public Outcome Create(long parentId) => _model.Create(parentId);
    public Outcome Remove(long cgroupId) => _model.Remove(cgroupId);
    public Outcome SetPidsMax(long cgroupId, long max) => _model.SetPidsMax(cgroupId, max);
    public Outcome SetNotifyOnRelease(long cgroupId, bool on) => _model.SetNotifyOnRelease(cgroupId, on);
    public Outcome RunOn(long pid, int cpu) => _model.RunOn(pid, cpu, _cpus);
}
