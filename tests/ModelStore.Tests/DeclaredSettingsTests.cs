using ModelStore.Stores;

namespace ModelStore.Tests;

/// <summary>Settings checked against the ones a kind declares: unknown names with their close match, secrets, types, required ones.</summary>
[TestClass]
public sealed class DeclaredSettingsTests
{
    private static readonly StateStoreSettingDescriptor[] Declared =
    [
        new("Bucket", StateStoreSettingType.Text, "The bucket.") { IsRequired = true },
        new("RequestTimeoutSeconds", StateStoreSettingType.Seconds, "The time one request may take."),
        new("MaxRetries", StateStoreSettingType.Count, "Retries."),
        new("DownloadParallelism", StateStoreSettingType.WholeNumber, "Ranges at once."),
        new("DownloadChunkSize", StateStoreSettingType.Bytes, "Bytes per range."),
        new("ForcePathStyle", StateStoreSettingType.Boolean, "Path-style addresses."),
        new("ServiceUrl", StateStoreSettingType.Url, "The endpoint."),
        new("CacheFolder", StateStoreSettingType.Path, "A folder."),
        new("SecretKey", StateStoreSettingType.Text, "Use AWS_SECRET_ACCESS_KEY.") { IsSecret = true },
    ];

    private static StateStoreSettings Settings(params (string Name, string Value)[] values) =>
        new("team", "S3", [new("Bucket", "models"), .. values.Select(pair => new KeyValuePair<string, string>(pair.Name, pair.Value))], "/tmp");

    [TestMethod]
    public void Valid_values_of_every_type_and_the_common_settings_pass()
    {
        Settings(
            ("RequestTimeoutSeconds", "5"), ("MaxRetries", "0"), ("DownloadParallelism", "3"), ("DownloadChunkSize", "65536"),
            ("ForcePathStyle", "TRUE"), ("ServiceUrl", "http://127.0.0.1:9000"), ("CacheFolder", "../cache"),
            ("Kind", "S3"), ("Mirrors", "a;b"), ("ProviderType", "Acme.Provider"), ("ProviderAssembly", "tools/acme.dll"),
            ("requesttimeoutseconds", "7")).Validate(Declared);

        Assert.AreEqual(TimeSpan.FromSeconds(5), Settings(("RequestTimeoutSeconds", "5")).GetSeconds("RequestTimeoutSeconds"));
        Assert.IsNull(Settings().GetSeconds("RequestTimeoutSeconds"));
    }

    [TestMethod]
    [DataRow("RequestTimeoutSecond", "RequestTimeoutSeconds")]
    [DataRow("requestTimeoutSecs", "RequestTimeoutSeconds")]
    [DataRow("MaxRetry", "MaxRetries")]
    [DataRow("Mirror", "Mirrors")]
    [DataRow("ServiceURI", "ServiceUrl")]
    public void An_unknown_setting_is_an_error_naming_its_close_match(string misspelt, string meant)
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => Settings((misspelt, "5")).Validate(Declared));

        StringAssert.StartsWith(error.Message, "Store 'team' of kind S3: ");
        StringAssert.Contains(error.Message, $"the setting '{misspelt}' is unknown: did you mean {meant}");
    }

    [TestMethod]
    public void An_unknown_setting_without_close_match_lists_the_kinds_settings_but_never_the_secret_ones()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => Settings(("Colour", "blue")).Validate(Declared));

        StringAssert.Contains(error.Message, "the setting 'Colour' is unknown (settings of kind S3: Bucket, CacheFolder,");
        Assert.DoesNotContain("SecretKey", error.Message);
        Assert.DoesNotContain("blue", error.Message);
    }

    [TestMethod]
    public void Every_problem_is_named_in_one_message()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() =>
            new StateStoreSettings("team", "S3", [new("MaxRetrys", "1"), new("ForcePathStyle", "yes")], "/tmp").Validate(Declared));

        StringAssert.Contains(error.Message, "'MaxRetrys' is unknown: did you mean MaxRetries?");
        StringAssert.Contains(error.Message, "setting 'ForcePathStyle' must be true or false, not 'yes'");
        StringAssert.Contains(error.Message, "it needs the setting 'Bucket' (The bucket)");
    }

    [TestMethod]
    [DataRow("RequestTimeoutSeconds", "0", "must be a positive whole number of seconds, not '0'")]
    [DataRow("RequestTimeoutSeconds", "1.5", "must be a positive whole number of seconds, not '1.5'")]
    [DataRow("MaxRetries", "-1", "must be a non-negative whole number, not '-1'")]
    [DataRow("DownloadParallelism", "0", "must be a positive whole number, not '0'")]
    [DataRow("DownloadChunkSize", "8MiB", "must be a positive whole number, not '8MiB'")]
    [DataRow("ForcePathStyle", "1", "must be true or false, not '1'")]
    [DataRow("ServiceUrl", "ftp://127.0.0.1/", "must be an absolute http(s) address, not 'ftp://127.0.0.1/'")]
    [DataRow("ServiceUrl", "127.0.0.1:9000", "must be an absolute http(s) address")]
    public void A_value_of_the_wrong_type_names_the_setting_and_the_rule(string name, string value, string rule)
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => Settings((name, value)).Validate(Declared));

        StringAssert.Contains(error.Message, $"Store 'team' of kind S3: setting '{name}' {rule}");
    }

    [TestMethod]
    public void A_secret_given_as_a_setting_is_refused_without_showing_its_value()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => Settings(("secretkey", "wJalrXUtnFEMI-K7MDENG")).Validate(Declared));

        StringAssert.Contains(error.Message, "'secretkey' is a credential, and credentials are never read from settings");
        StringAssert.Contains(error.Message, "Use AWS_SECRET_ACCESS_KEY.");
        Assert.DoesNotContain("wJalrXUtnFEMI", error.Message);
    }

    [TestMethod]
    public void A_provider_that_declares_nothing_accepts_any_setting_and_the_local_kind_declares_its_folder()
    {
        Settings(("Anything", "goes")).Validate(null);
        var registry = new StateStoreRegistry(new LocalStateStoreProvider(), new MemoryStoreProvider());
        registry.Create(new StateStoreSettings("mine", "Memory", [new("Label", "x"), new("Whatever", "y")], "/"));

        var misspelt = Assert.ThrowsExactly<ArgumentException>(() => registry.Create(new StateStoreSettings("local", "Local", [new("Folder", "/tmp"), new("Foldr", "/tmp")], "/")));
        var missing = Assert.ThrowsExactly<ArgumentException>(() => new LocalStateStoreProvider().Validate(new StateStoreSettings("local", "Local", [], "/")));

        StringAssert.Contains(misspelt.Message, "Store 'local' of kind Local: the setting 'Foldr' is unknown: did you mean Folder?");
        StringAssert.Contains(missing.Message, "it needs the setting 'Folder'");
        Assert.AreEqual("Folder", new LocalStateStoreProvider().Settings.Single(setting => setting.IsRequired).Name);
    }

    [TestMethod]
    public void A_descriptor_needs_a_name_a_description_and_a_known_type()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new StateStoreSettingDescriptor(" ", StateStoreSettingType.Text, "x"));
        Assert.ThrowsExactly<ArgumentException>(() => new StateStoreSettingDescriptor("A", StateStoreSettingType.Text, ""));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new StateStoreSettingDescriptor("A", (StateStoreSettingType)42, "x"));
    }
}
