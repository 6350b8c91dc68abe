namespace Verify.Impl.Slab;

/// <summary>Where a slab object sits (SlabAllocator.TryLocate): the memcg layer keys its per-object charges by Head and Index, as the kernel's slab obj_exts do.</summary>
public readonly record struct SlabObjectRef(int Head, int Index, int SizeBytes, int ObjectsPerSlab, bool Accounted, bool Reclaimable);
