using System.Collections;
using System.Reflection;
using Verify.Impl;
using Verify.Model.Contract;

namespace Verify.Properties.Support;

/// <summary>
/// Writes into the private state of impl/ structures, for the corruption tests: each test breaks one
/// fact a self-check guards and asserts that the check names it. Fields are named as strings, so a
/// rename in impl/ fails the test with the type and field it looked for, never silently.
/// </summary>
public static class Corrupt
{
    private const BindingFlags Instance = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;

    public static T Get<T>(object owner, string field) => (T)FieldOf(owner.GetType(), field).GetValue(owner)!;

    public static void Set(object owner, string field, object? value) => FieldOf(owner.GetType(), field).SetValue(owner, value);

    /// <summary>Element <paramref name="index"/> of an array or list field.</summary>
    public static void SetElement(object owner, string listField, int index, object? value) =>
        Get<IList>(owner, listField)[index] = value;

    /// <summary>A new element of an array field's own (possibly private) element type, built by its constructor from <paramref name="args"/>.</summary>
    public static object NewElement(object owner, string arrayField, params object[] args) =>
        Activator.CreateInstance(Get<Array>(owner, arrayField).GetType().GetElementType()!, args)!;

    /// <summary>Sets a field of the struct stored at <paramref name="index"/> of an array or list field (the boxed copy is written back).</summary>
    public static void SetInElement(object owner, string listField, int index, string structField, object? value)
    {
        var list = Get<IList>(owner, listField);
        object element = list[index]!;
        FieldOf(element.GetType(), structField).SetValue(element, value);
        list[index] = element;
    }

    /// <summary>Sets an auto-property's backing field (properties with a private setter).</summary>
    public static void SetProperty(object owner, string property, object? value) => Set(owner, $"<{property}>k__BackingField", value);

    /// <summary>A setup step of a corruption test's machine must succeed.</summary>
    public static void Must(Outcome outcome) => Assert.True(outcome.IsOk, $"setup: {outcome}");

    /// <summary>One row of a corruption table: break the machine, then AssertCaught.</summary>
    public static void AssertRow<TMachine>((Action<TMachine> Break, string Invariant, string Fragment) row, TMachine machine, ImplKernel impl)
    {
        row.Break(machine);
        AssertCaught(impl, row.Invariant, row.Fragment);
    }

    /// <summary>Every violation the kernel's self-check reports, as "invariant: message".</summary>
    public static List<string> Violations(ImplKernel impl)
    {
        var report = new SelfCheckReport();
        impl.CheckConsistency(report);
        return Lines(report);
    }

    /// <summary>A self-check report's findings as "invariant: message", in the order found.</summary>
    public static List<string> Lines(SelfCheckReport report) => report.Found.Select(f => $"{f.Invariant}: {f.Message}").ToList();

    /// <summary>
    /// Asserts that the self-check reports a violation of <paramref name="invariant"/> whose message
    /// contains <paramref name="fragment"/>; " … " in the fragment stands for any text, so
    /// "a … b" asks for "a" and, later in the message, "b".
    /// </summary>
    public static void AssertCaught(ImplKernel impl, string invariant, string fragment)
    {
        var found = Violations(impl);
        Assert.True(found.Any(v => v.StartsWith(invariant + ": ", StringComparison.Ordinal) && ContainsInOrder(v, fragment.Split(" … "))),
            $"expected a violation of {invariant} containing \"{fragment}\"; the self-check reported:\n  " +
            (found.Count == 0 ? "nothing" : string.Join("\n  ", found)));
    }

    private static bool ContainsInOrder(string text, string[] parts)
    {
        int at = 0;
        foreach (var part in parts)
        {
            int found = text.IndexOf(part, at, StringComparison.Ordinal);
            if (found < 0) return false;
            at = found + part.Length;
        }
        return true;
    }

    private static FieldInfo FieldOf(Type type, string field)
    {
        for (var t = type; t is not null; t = t.BaseType)
            if (t.GetField(field, Instance) is { } info) return info;
        throw new MissingFieldException(type.FullName, field);
    }
}
