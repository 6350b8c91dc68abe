namespace Verify.Impl.Slab;

/// <summary>How dentries are charged (the memcg layer, through the kernel): each object after it is allocated, uncharged before it is freed, and asked where it is charged for a memcg-aware shrink.</summary>
public interface IDentryCharger
{
    /// <summary>Charges the object just allocated at the address (when its cache is accounted or, for a name buffer, always); false (nothing charged) on ENOMEM.</summary>
    bool ChargeObject(long address);

    /// <summary>The object at the address is about to be freed: its charge, if any, goes.</summary>
    void UnchargeObject(long address);

    /// <summary>Whether the object at the address is charged to the group's subtree now.</summary>
    bool ChargedBelow(long address, long group);
}
