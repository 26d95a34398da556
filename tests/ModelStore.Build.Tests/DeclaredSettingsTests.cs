using System.Text.RegularExpressions;
using ModelStore.Azure;
using ModelStore.Build.Tests.Integration;
using ModelStore.GitHub;
using ModelStore.HuggingFace;
using ModelStore.Oci;
using ModelStore.S3;
using ModelStore.Stores;

namespace ModelStore.Build.Tests;

/// <summary>
/// The settings the shipped providers declare, held against what the build does with ModelStore items: the targets'
/// input list, the store pages of the documentation, and MST0008 for a misspelt setting.
/// </summary>
[TestClass]
public sealed partial class DeclaredSettingsTests
{
    private const string Digits = "pytorch/tiny-mlp.digits.v1";

    // Each shipped kind and the page documenting its settings.
    private static readonly (IStateStoreProvider Provider, string Page)[] Shipped =
    [
        (new LocalStateStoreProvider(), "docs/build.md"),
        (new S3StateStoreProvider(), "docs/s3.md"),
        (new AzureBlobStateStoreProvider(), "docs/azure.md"),
        (new GitHubStateStoreProvider(), "docs/github.md"),
        (new HuggingFaceStateStoreProvider(), "docs/huggingface.md"),
        (new OciStateStoreProvider(), "docs/oci.md"),
    ];

    [TestMethod]
    public void Every_shipped_kind_declares_its_settings_once_and_the_default_registry_knows_them_all()
    {
        foreach (var (provider, _) in Shipped)
        {
            var names = provider.Settings!.Select(setting => setting.Name).ToList();
            Assert.AreEqual(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count(), $"{provider.Kind} declares a setting twice: {string.Join(", ", names)}");
            Assert.IsTrue(provider.Settings!.Any(setting => setting.IsRequired), $"{provider.Kind} declares no required setting");
            Assert.IsFalse(names.Intersect(StateStoreSettingDescriptor.Common.Select(common => common.Name), StringComparer.OrdinalIgnoreCase).Any(), $"{provider.Kind} redeclares a common setting");
            Assert.IsNotNull(StateStoreRegistry.Default.Find(provider.Kind)?.Settings, provider.Kind);
        }
    }

    [TestMethod]
    public void The_targets_input_list_names_exactly_the_common_and_declared_settings()
    {
        var targets = File.ReadAllText(Path.Combine(PackageFeed.RepositoryRoot, "src/ModelStore.Build/build/ModelStore.Build.targets"));
        var line = StoreInputLine().Match(targets);
        Assert.IsTrue(line.Success, "The transform of ModelStore items in _ModelStoreWriteInputs was not found in the targets.");
        var listed = line.Groups["names"].Value.Split('|').Select(part => part.Trim()["%(".Length..^1]).ToList();

        var declared = StateStoreSettingDescriptor.Common
            .Concat(Shipped.SelectMany(kind => kind.Provider.Settings!))
            .Where(setting => !setting.IsSecret)
            .Select(setting => setting.Name)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();

        CollectionAssert.AreEquivalent(
            declared.Order(StringComparer.Ordinal).ToList(),
            listed.Order(StringComparer.Ordinal).ToList(),
            $"Listed but not declared: {string.Join(", ", listed.Except(declared, StringComparer.OrdinalIgnoreCase))}; declared but not listed: {string.Join(", ", declared.Except(listed, StringComparer.OrdinalIgnoreCase))}.");
    }

    [TestMethod]
    public void Every_declared_setting_is_in_a_table_of_its_kinds_page()
    {
        var missing = new List<string>();
        foreach (var (provider, page) in Shipped)
        {
            var rows = File.ReadAllLines(Path.Combine(PackageFeed.RepositoryRoot, page)).Where(row => row.StartsWith('|')).ToList();
            missing.AddRange(provider.Settings!
                .Where(setting => !rows.Any(row => row.Contains($"`{setting.Name}`", StringComparison.Ordinal)))
                .Select(setting => $"{page}: {setting.Name}"));
        }

        Assert.IsEmpty(missing, "Declared settings without a table row: " + string.Join("; ", missing));
    }

    [TestMethod]
    public void A_misspelt_setting_is_MST0008_on_the_item_naming_the_close_match_and_nothing_is_fetched()
    {
        using var sandbox = new TaskSandbox();

        var (success, _, engine) = sandbox.Run(
            [TaskSandbox.State(Digits, "team")],
            [TaskSandbox.Store("team", "S3", ("Bucket", "models"), ("ServiceUrl", "http://127.0.0.1:1"), ("RequestTimeoutSecond", "5"))],
            task => task.Registry = new StateStoreRegistry(new LocalStateStoreProvider(), new S3StateStoreProvider()));

        Assert.IsFalse(success);
        var error = engine.Errors.Single();
        Assert.AreEqual("MST0008", error.Code, engine.Log);
        StringAssert.Contains(error.Message, "ModelStore 'team'");
        StringAssert.Contains(error.Message, "the setting 'RequestTimeoutSecond' is unknown: did you mean RequestTimeoutSeconds?");
        Assert.IsFalse(Directory.Exists(sandbox.CacheRoot));
    }

    [GeneratedRegex(@"@\(ModelStore->'store\|%\(Identity\)\|(?<names>[^']*)'(, *'[^']*')?\)")]
    private static partial Regex StoreInputLine();
}
