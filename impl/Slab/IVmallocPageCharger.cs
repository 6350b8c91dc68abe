namespace Verify.Impl.Slab;

/// <summary>How an accounted vmalloc area charges its pages (the memcg layer): one page at a time, as each is taken; uncharged as each is freed.</summary>
public interface IVmallocPageCharger
{
    /// <summary>Charges the page just taken; false (nothing charged) when the charge fails.</summary>
    bool ChargeVmallocPage(int pfn);

    /// <summary>The page is about to be freed: its charge, if it has one, goes.</summary>
    void UnchargeVmallocPage(int pfn);
}
