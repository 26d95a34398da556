namespace ModelStore.Build.Tests.Integration;

/// <summary>A ModelState's StateDictPath (the state dict inside a checkpoint) reaches the generated PretrainedState in a real build.</summary>
[TestClass]
public sealed class StateDictPathIntegrationTests
{
    private const string Checkpoint = "pytorch/tiny-mlp.digits.checkpoint";
    private const string Program = """
        foreach (var state in Consumer.ModelStates.All)
        {
            Console.WriteLine($"state {state.Key} statedict={state.StateDictPath ?? "(none)"}");
        }
        """;

    [TestMethod]
    public async Task StateDictPath_reaches_the_accessor_a_change_reruns_the_resolution_and_a_malformed_one_is_MST0011()
    {
        var app = await ConsumerProject.CreateAsync("statedictpath");
        File.WriteAllText(Path.Combine(app.Folder, "Program.cs"), Program);
        app.Publish(Checkpoint);
        app.WithState(Checkpoint, "Store=\"local\" StateDictPath=\"model\"");
        var project = Path.Combine(app.Folder, "app.csproj");

        var first = await app.BuildAsync();
        Assert.AreEqual(0, first.ExitCode, first.ToString());
        var run = await app.RunAppAsync();
        StringAssert.Contains(run.Output, $"state {Checkpoint} statedict=model", run.ToString());

        File.WriteAllText(project, File.ReadAllText(project).Replace("StateDictPath=\"model\"", "StateDictPath=\"checkpoint.model_ema\"", StringComparison.Ordinal));
        var changed = await app.BuildAsync("-v:d");
        Assert.AreEqual(0, changed.ExitCode, changed.ToString());
        StringAssert.Contains(changed.Output, "Task \"ResolveModelStates\"", "a changed StateDictPath must rerun the resolution");
        StringAssert.Contains((await app.RunAppAsync()).Output, "statedict=checkpoint.model_ema");

        File.WriteAllText(project, File.ReadAllText(project).Replace(" StateDictPath=\"checkpoint.model_ema\"", "", StringComparison.Ordinal));
        Assert.AreEqual(0, (await app.BuildAsync()).ExitCode);
        StringAssert.Contains((await app.RunAppAsync()).Output, "statedict=(none)");

        File.WriteAllText(project, File.ReadAllText(project).Replace("Store=\"local\"", "Store=\"local\" StateDictPath=\"model..encoder\"", StringComparison.Ordinal));
        var malformed = await app.BuildAsync();
        Assert.AreNotEqual(0, malformed.ExitCode, malformed.ToString());
        StringAssert.Contains(malformed.Output, "ModelStore error MST0011:", malformed.ToString());
        StringAssert.Contains(malformed.Output, "StateDictPath=\"model..encoder\", which has an empty part", malformed.ToString());
    }
}
