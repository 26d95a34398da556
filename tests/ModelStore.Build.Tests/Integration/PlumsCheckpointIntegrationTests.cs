using System.Security.Cryptography;
using ModelStore.Plums;
using ModelStore.Plums.Publishing;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Build.Tests.Integration;

/// <summary>A checkpoint of a PMF model package, published to a store, is declared as a ModelState in a real build.</summary>
[TestClass]
public sealed class PlumsCheckpointIntegrationTests
{
    [TestMethod]
    public async Task A_published_PMF_checkpoint_builds_as_a_ModelState_and_the_app_reads_its_bytes()
    {
        var app = await ConsumerProject.CreateAsync("plums");
        var sources = Path.Combine(app.Folder, "training-run");
        Directory.CreateDirectory(sources);
        var configuration = Path.Combine(sources, "train.yaml");
        File.WriteAllText(configuration, "lr: 0.01\nepochs: 2\n");
        var weights = Path.Combine(sources, "epoch-2.pt");
        File.WriteAllBytes(weights, RandomNumberGenerator.GetBytes(40_000));
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(weights)));

        var model = new Model("digits_trainer", "py_pa", "1.0", "digits", "digits-run-7", configuration);
        model.RegisterTrainingStart(0);
        model.RegisterEpoch(2);
        model.AddCheckpoint(new Checkpoint("best", weights, 2));
        model.RegisterTrainingEnd(success: true);
        var package = Path.Combine(app.Folder, "package");
        model.Save(package);

        var key = await Model.Load(package).PublishCheckpointAsync("best", new LocalStateStore(app.StoreFolder), new StateType("pytorch", "tiny-mlp", "digits"));
        Assert.AreEqual($"pytorch/tiny-mlp.digits.{PlumsStates.GetTrainingId("digits-run-7", "best")}", key.ToString());
        app.WithState(key.ToString(), "Store=\"local\" AccessorName=\"Best\"");

        var build = await app.BuildAsync();
        Assert.AreEqual(0, build.ExitCode, build.ToString());
        StringAssert.Contains(build.Output, $"ModelStore: fetched {key} from store 'local'", build.ToString());
        StringAssert.Contains(File.ReadAllText(app.LockFile), $"\"sha256\": \"{sha}\"");
        var run = await app.RunAppAsync();
        StringAssert.Contains(run.Output, $"state {key} size=40000 sha256={sha} read=40000", run.ToString());
    }
}
