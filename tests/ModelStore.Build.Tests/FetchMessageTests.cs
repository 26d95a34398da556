using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Build.Framework;
using ModelStore.Build.Tasks;

namespace ModelStore.Build.Tests;

/// <summary>
/// The task's messages read the same in every build shape. A message logged in an MSBuild worker node (a multi-node
/// build, `-m`) reaches the central logger with its arguments turned into strings, so a format item such as
/// <c>{3:0.0}</c> on a number is lost there (`in 0.8351076 s`): every argument must already be text.
/// </summary>
[TestClass]
public sealed partial class FetchMessageTests
{
    private static readonly PropertyInfo RawArguments =
        typeof(LazyFormattedBuildEventArgs).GetProperty("RawArguments", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)!;

    [TestMethod]
    public void The_fetch_message_carries_only_text_arguments_and_one_decimal_seconds()
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish("pytorch/tiny-mlp.digits.v1", 50_000);

        var (success, _, engine) = sandbox.Run([TaskSandbox.State("pytorch/tiny-mlp.digits.v1")]);

        Assert.IsTrue(success, engine.Log);
        var fetched = engine.Messages.Single(message => message.Message!.StartsWith("ModelStore: fetched", StringComparison.Ordinal));
        Assert.MatchesRegex(FetchedIn(), fetched.Message!);
        foreach (var message in engine.Messages)
        {
            var arguments = (object?[]?)RawArguments.GetValue(message) ?? [];
            Assert.IsTrue(arguments.All(argument => argument is null or string), $"'{message.Message}' has arguments of types {string.Join(", ", arguments.Select(argument => argument?.GetType().Name))}");
        }
    }

    [TestMethod]
    public void Many_fetched_states_are_one_summary_line_at_the_default_verbosity_and_each_one_at_normal()
    {
        // Issue 20: a build fetching a thousand states printed a thousand lines.
        using var sandbox = new TaskSandbox();
        var count = ResolveModelStates.ManyFetches + 2;
        var states = Enumerable.Range(0, count).Select(i => $"pytorch/tiny-mlp.part{i}.v1").ToList();
        states.ForEach(key => sandbox.Publish(key, 1000));

        var (success, _, engine) = sandbox.Run([.. states.Select(key => TaskSandbox.State(key))]);
        using var none = new TaskSandbox();
        var (few, _, fewEngine) = none.Run([]); // nothing fetched: no summary either
        using var one = new TaskSandbox();
        one.Publish(states[0], 1000);
        var (oneSuccess, _, oneEngine) = one.Run([TaskSandbox.State(states[0])]);

        Assert.IsTrue(success && few && oneSuccess, engine.Log + fewEngine.Log + oneEngine.Log);
        var high = engine.Messages.Where(message => message.Importance == MessageImportance.High).Select(message => message.Message!).ToList();
        Assert.HasCount(1, high.Where(message => message.StartsWith("ModelStore: fetched", StringComparison.Ordinal)).ToList(), string.Join("\n", high));
        Assert.MatchesRegex($@"^ModelStore: fetched {count} states \(11\.7 KB\) in [0-9]+\.[0-9] s, each checked against its SHA-256\.$", high.Single(message => message.StartsWith("ModelStore: fetched", StringComparison.Ordinal)));
        Assert.HasCount(count, engine.Messages.Where(message => message.Importance == MessageImportance.Normal && message.Message!.StartsWith("ModelStore: fetched pytorch/", StringComparison.Ordinal)).ToList());
        Assert.IsFalse(fewEngine.Messages.Any(message => message.Message!.StartsWith("ModelStore: fetched", StringComparison.Ordinal)));
        Assert.AreEqual(MessageImportance.High, oneEngine.Messages.Single(message => message.Message!.StartsWith("ModelStore: fetched", StringComparison.Ordinal)).Importance, "A few states keep their own line.");
    }

    [GeneratedRegex(@"^ModelStore: fetched \S+ from store 'local': 48\.8 KB in [0-9]+\.[0-9] s \([0-9]+\.[0-9] MB/s\), SHA-256 [0-9a-f]{64}\.$")]
    private static partial Regex FetchedIn();
}
