using System.Text.RegularExpressions;

namespace ModelStore.Azure;

/// <summary>
/// Azure Storage's naming rules for what users type (container and account names), checked before any request: a name
/// Azure would refuse fails here with the rule it breaks, rather than as a 400 from the service.
/// </summary>
internal static partial class AzureBlobNames
{
    /// <summary>
    /// Why <paramref name="container"/> is not a container name, or <see langword="null"/>: 3 to 63 lower-case letters,
    /// digits and hyphens, starting and ending with a letter or a digit, no two hyphens in a row; or <c>$root</c>.
    /// </summary>
    public static string? ContainerProblem(string? container) =>
        container is not null && ContainerName().IsMatch(container)
            ? null
            : $"'{Printable(container)}' is not an Azure container name: 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit.";

    /// <summary>Why <paramref name="account"/> is not a storage account name, or <see langword="null"/>: 3 to 24 lower-case letters and digits.</summary>
    public static string? AccountProblem(string? account) =>
        account is not null && AccountName().IsMatch(account)
            ? null
            : $"'{Printable(account)}' is not an Azure storage account name: 3 to 24 lower-case letters and digits.";

    private static string Printable(string? text) => new((text ?? string.Empty).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    [GeneratedRegex("^(\\$root|[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62})$", RegexOptions.CultureInvariant)]
    private static partial Regex ContainerName();

    [GeneratedRegex("^[a-z0-9]{3,24}$", RegexOptions.CultureInvariant)]
    private static partial Regex AccountName();
}
