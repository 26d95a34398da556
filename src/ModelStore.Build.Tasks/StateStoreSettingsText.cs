using System.Globalization;

namespace ModelStore.Build.Tasks;

/// <summary>Text from a project file made safe for a one-line message (control characters shown as <c>\uXXXX</c>).</summary>
internal static class StateStoreSettingsText
{
    public static string Printable(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}") : c.ToString()));
}
