using ModelStore.Stores;

namespace ModelStore.Tests;

/// <summary>What a store definition may hold: single lines of printable text, no credentials in addresses, safe base paths.</summary>
[TestClass]
public sealed class StoreSettingsValidationTests
{
    [TestMethod]
    [DataRow("team\nevil", "Folder", "states")]
    [DataRow("team", "Folder", "states\n<Injected />")]
    [DataRow("team", "Fol\u0000der", "states")]
    [DataRow("team", "Folder", "states\u001b[31m")]
    public void Control_characters_in_names_or_settings_are_refused(string name, string setting, string value)
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => new StateStoreSettings(name, "Local", [new(setting, value)], "/tmp"));

        StringAssert.Contains(error.Message, "control character");
        Assert.IsFalse(error.Message.Contains('\n', StringComparison.Ordinal) || error.Message.Contains('\u0000', StringComparison.Ordinal), "The message itself is one printable line.");
    }

    [TestMethod]
    public void Typed_settings_parse_invariantly_and_name_the_store_kind_and_setting_when_they_cannot()
    {
        var settings = new StateStoreSettings("team", "S3", [new("MaxRetries", "0"), new("Parallelism", "12"), new("Flag", "TRUE"), new("Bad", "1,5"), new("Negative", "-1")], "/tmp");

        Assert.AreEqual(0, settings.GetWholeNumber("MaxRetries", allowZero: true));
        Assert.AreEqual(12, settings.GetWholeNumber("Parallelism"));
        Assert.IsNull(settings.GetWholeNumber("Absent"));
        Assert.IsTrue(settings.GetBoolean("Flag"));
        Assert.IsNull(settings.GetBoolean("Absent"));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => settings.GetWholeNumber("MaxRetries")).Message, "Store 'team' of kind S3: setting 'MaxRetries' must be a positive whole number, not '0'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => settings.GetWholeNumber("Negative", allowZero: true)).Message, "non-negative");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => settings.GetWholeNumber("Bad")).Message, "not '1,5'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => settings.GetBoolean("Parallelism")).Message, "setting 'Parallelism' must be true or false, not '12'");
    }

    [TestMethod]
    public void A_url_setting_with_user_information_is_refused_without_showing_the_password()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => new StateStoreSettings("team", "S3", [new("ServiceUrl", "http://admin:s3cr3t-pass@127.0.0.1:9000/")], "/tmp"));

        StringAssert.Contains(error.Message, "ServiceUrl");
        StringAssert.Contains(error.Message, "user name or password");
        Assert.IsFalse(error.Message.Contains("s3cr3t-pass", StringComparison.Ordinal), error.Message);
        Assert.AreEqual("http://127.0.0.1:9000", new StateStoreSettings("team", "S3", [new("ServiceUrl", "http://127.0.0.1:9000")], "/tmp").Get("ServiceUrl"));
    }

    [TestMethod]
    [DataRow("", null)]
    [DataRow("states", null)]
    [DataRow("/states/", null)]
    [DataRow("team/states/", null)]
    [DataRow("../victim", "'.' or '..'")]
    [DataRow("a/./b", "'.' or '..'")]
    [DataRow("a//b", "empty segment")]
    [DataRow("//host/x", "absolute")]
    [DataRow("a\\b", "'\\'")]
    public void Base_paths_are_relative_segments(string basePath, string? problem)
    {
        var found = StoreAddressRules.BasePathProblem(basePath);

        if (problem is null)
        {
            Assert.IsNull(found);
        }
        else
        {
            StringAssert.Contains(found, problem);
        }
    }

    [TestMethod]
    public async Task Reading_from_a_local_folder_that_does_not_exist_says_so()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-store-{Guid.NewGuid():N}");
        var store = new LocalStateStoreProvider().Create(new StateStoreSettings("local", "Local", [new("Folder", missing)], "/tmp"));
        var key = ModelStore.States.StateKey.Parse("pytorch/a.v1");

        var reading = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.OpenReadAsync(key, TestContext.CancellationToken));

        Assert.AreEqual(StateStoreError.NotFound, reading.Error);
        StringAssert.Contains(reading.Message, $"the folder '{missing}' does not exist");
        Assert.IsFalse(await store.ExistsAsync(key, TestContext.CancellationToken));
    }

    public TestContext TestContext { get; set; } = null!;
}
