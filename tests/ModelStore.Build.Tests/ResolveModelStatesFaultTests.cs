using System.Text.Json;
using ModelStore.GitHub;
using ModelStore.S3;
using ModelStore.Stores;

namespace ModelStore.Build.Tests;

/// <summary>Store definitions checked before any request (MST0008), messages without secrets, and the lock file's store section.</summary>
[TestClass]
public sealed class ResolveModelStatesFaultTests
{
    private const string Digits = "pytorch/tiny-mlp.digits.v1";

    [TestMethod]
    [DataRow("Bucket", "../victim", "bucket name")]
    [DataRow("Bucket", "Models", "bucket name")]
    [DataRow("BasePath", "team/../../victim", "base path")]
    public void An_invalid_S3_address_is_MST0008_naming_the_rule(string setting, string value, string rule)
    {
        using var sandbox = new TaskSandbox();
        var settings = new Dictionary<string, string> { ["Bucket"] = "models", ["ServiceUrl"] = "http://127.0.0.1:1" };
        settings[setting] = value;
        var store = TaskSandbox.Store("team", "S3", [.. settings.Select(pair => (pair.Key, pair.Value))]);

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits, "team")], [store], Known);

        Assert.IsFalse(success);
        var error = engine.Errors.Single();
        Assert.AreEqual("MST0008", error.Code, engine.Log);
        StringAssert.Contains(error.Message, rule);
        StringAssert.Contains(error.Message, "ModelStore 'team'");
    }

    [TestMethod]
    public void An_invalid_GitHub_repository_is_MST0008()
    {
        using var sandbox = new TaskSandbox();

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits, "hub")], [TaskSandbox.Store("hub", "GitHub", ("Owner", "mozuma"), ("Repository", ".."))], Known);

        Assert.IsFalse(success);
        Assert.AreEqual("MST0008", engine.Errors.Single().Code, engine.Log);
        StringAssert.Contains(engine.Errors.Single().Message, "repository name");
    }

    [TestMethod]
    public void A_control_character_in_a_store_name_or_setting_is_MST0008_and_nothing_is_written()
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish(Digits);

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits)], [TaskSandbox.Store("local", "Local", ("Folder", "states\n<Injected/>"))]);

        Assert.IsFalse(success);
        Assert.AreEqual("MST0008", engine.Errors.Single().Code, engine.Log);
        StringAssert.Contains(engine.Errors.Single().Message, "control character U+000A");
        Assert.IsFalse(File.Exists(sandbox.LockFile));
        Assert.IsFalse(Directory.Exists(sandbox.DescriptorDirectory) && Directory.EnumerateFiles(sandbox.DescriptorDirectory).Any());
    }

    [TestMethod]
    public void A_service_url_with_a_password_is_MST0008_and_the_password_is_never_logged()
    {
        using var sandbox = new TaskSandbox();
        const string password = "pr00fUrlPassw0rd";

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits, "team")], [TaskSandbox.Store("team", "S3", ("Bucket", "models"), ("ServiceUrl", $"http://user:{password}@127.0.0.1:1"))], Known);

        Assert.IsFalse(success);
        Assert.AreEqual("MST0008", engine.Errors.Single().Code, engine.Log);
        Assert.IsFalse(engine.Log.Contains(password, StringComparison.Ordinal), engine.Log);
    }

    [TestMethod]
    public void An_invalid_store_is_reported_even_when_every_state_is_cached()
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish(Digits);
        Assert.IsTrue(sandbox.Run([TaskSandbox.State(Digits)]).Success);

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits, "team")], [TaskSandbox.Store("team", "S3", ("Bucket", "../victim"))], Known);

        Assert.IsFalse(success);
        Assert.AreEqual("MST0008", engine.Errors.Single().Code, engine.Log);
    }

    [TestMethod]
    public void A_missing_local_folder_says_so()
    {
        using var sandbox = new TaskSandbox();

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits)], [TaskSandbox.Store("local", "Local", ("Folder", "no-such-folder"))]);

        Assert.IsFalse(success);
        var error = engine.Errors.Single();
        StringAssert.Contains(error.Message, Path.Combine(sandbox.Root, "no-such-folder"));
        StringAssert.Contains(error.Message, "does not exist");
        Assert.IsFalse(error.Message.Contains("at all", StringComparison.Ordinal), error.Message);
    }

    [TestMethod]
    public void The_lock_file_records_each_store_with_its_kind_and_settings_but_no_secret()
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish(Digits);
        // A setting the kind does not declare (ApiToken, Comment) is MST0008 now (DeclaredSettingsTests): what reaches the lock file is declared.
        var local = TaskSandbox.Store("local", "Local", ("Folder", Path.Combine(sandbox.Root, "states")));

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits)], [local, TaskSandbox.Store("unused", "Local", ("Folder", "other"))]);

        Assert.IsTrue(success, engine.Log);
        var text = File.ReadAllText(sandbox.LockFile);
        using var document = JsonDocument.Parse(text);
        var stores = document.RootElement.GetProperty("stores");
        Assert.AreEqual(1, stores.EnumerateObject().Count(), "Only the stores the pinned states come from.");
        var settings = stores.GetProperty("local").GetProperty("settings");
        Assert.AreEqual("Local", stores.GetProperty("local").GetProperty("kind").GetString());
        Assert.AreEqual("states", settings.GetProperty("Folder").GetString());
        Assert.IsTrue(sandbox.Run([TaskSandbox.State(Digits)], [local]).Success, "A lock file with stores is read back.");
    }

    private static void Known(Tasks.ResolveModelStates task) =>
        task.Registry = new StateStoreRegistry(new LocalStateStoreProvider(), new S3StateStoreProvider(), new GitHubStateStoreProvider());
}
