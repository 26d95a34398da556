namespace ModelStore.Plums.Tests;

[TestClass]
public sealed class TrainingTests
{
    [TestMethod]
    public void ANormalTrainingGoesPendingRunningFinished()
    {
        var time = new ManualTime(100);
        var training = new Training(time);
        Assert.IsTrue(training.IsPending);
        Assert.IsNull(training.StartEpoch);

        training.Start(5);
        Assert.IsTrue(training.IsRunning);
        Assert.AreEqual((5, 100.0, 5, 100.0), (training.StartEpoch, training.StartTimestamp, training.LatestEpoch, training.LatestTimestamp));

        time.Seconds = 110.5;
        training.RegisterEpoch();
        Assert.AreEqual((6, 110.5), (training.LatestEpoch, training.LatestTimestamp));

        time.Seconds = 120;
        training.RegisterEpoch(10);
        Assert.AreEqual(10, training.LatestEpoch);
        training.RegisterEpoch(8);
        Assert.AreEqual(10, training.LatestEpoch, "the latest epoch keeps the maximum, as in Plums");
        Assert.AreEqual(120.0, training.LatestTimestamp);

        training.End();
        Assert.IsTrue(training.IsFinished);
        Assert.AreEqual((10, 120.0), (training.EndEpoch, training.EndTimestamp));
        Assert.AreEqual(5, training.StartEpoch);
    }

    [TestMethod]
    public void AFailureRecordsTheLatestEpochAsTheEnd()
    {
        var training = new Training(new ManualTime(1));
        training.Start(0);
        training.RegisterEpoch();
        training.Interrupt();
        Assert.IsTrue(training.IsFailed);
        Assert.AreEqual(1, training.EndEpoch);
    }

    [TestMethod]
    public void APendingTrainingMayFailButNotFinish()
    {
        var training = new Training();
        var error = Assert.ThrowsExactly<PlumsException>(training.End);
        Assert.AreEqual(PlumsErrorCode.InvalidTrainingTransition, error.Code);
        Assert.IsTrue(training.IsPending, "a refused transition changes nothing");
        training.Interrupt();
        Assert.IsTrue(training.IsFailed);
        Assert.IsNull(training.EndEpoch);
    }

    [TestMethod]
    [DataRow("finished", "start")]
    [DataRow("finished", "end")]
    [DataRow("finished", "interrupt")]
    [DataRow("finished", "epoch")]
    [DataRow("failed", "start")]
    [DataRow("failed", "end")]
    [DataRow("failed", "epoch")]
    [DataRow("pending", "end")]
    [DataRow("pending", "epoch")]
    public void InvalidTransitionsAreTypedErrorsAndChangeNothing(string from, string action)
    {
        var training = new Training(new ManualTime(1));
        if (from != "pending")
        {
            training.Start(0);
            if (from == "finished")
            {
                training.End();
            }
            else
            {
                training.Interrupt();
            }
        }

        var before = (training.Status, training.StartEpoch, training.LatestEpoch, training.EndEpoch);
        Action act = action switch
        {
            "start" => () => training.Start(3),
            "end" => training.End,
            "interrupt" => training.Interrupt,
            _ => () => training.RegisterEpoch(),
        };

        Assert.AreEqual(PlumsErrorCode.InvalidTrainingTransition, Assert.ThrowsExactly<PlumsException>(act).Code);
        Assert.AreEqual(before, (training.Status, training.StartEpoch, training.LatestEpoch, training.EndEpoch));
    }

    [TestMethod]
    public void ARunningTrainingMayBeRestarted()
    {
        var training = new Training(new ManualTime(1));
        training.Start(0);
        training.RegisterEpoch(4);
        training.Start(2);
        Assert.AreEqual((2, 2), (training.StartEpoch, training.LatestEpoch));
    }

    [TestMethod]
    public void ModelRegistrationsDriveTheTraining()
    {
        using var folder = new TempFolder();
        var model = new Model("p", "py_pa", "1", null, "id", folder.Write("c", "c"));
        model.RegisterTrainingStart(1);
        model.RegisterEpoch();
        model.RegisterTrainingEnd(success: false);
        Assert.AreEqual((TrainingStatus.Failed, 2), (model.Training.Status, model.Training.EndEpoch));
    }

    [TestMethod]
    public void TheStateConstructorDefaultsLatestAndChecksEveryRule()
    {
        var finished = new Training(TrainingStatus.Finished, startEpoch: 0, startTimestamp: 1, endEpoch: 9, endTimestamp: 5);
        Assert.AreEqual((9, 5.0), (finished.LatestEpoch, finished.LatestTimestamp));
        var running = new Training(TrainingStatus.Running, startEpoch: 2, startTimestamp: 1);
        Assert.AreEqual(2, running.LatestEpoch);

        var error = Assert.ThrowsExactly<PlumsException>(() => new Training(TrainingStatus.Running, startEpoch: 5, startTimestamp: 10, latestEpoch: 3, latestTimestamp: 2, endEpoch: 3, endTimestamp: 2));
        Assert.AreEqual(PlumsErrorCode.InvalidTraining, error.Code);
        foreach (var rule in new[]
                 {
                     "latest_time happened before start_time", "end_time provided with a running or pending status",
                     "latest_epoch happened before start_epoch", "end_epoch provided with a running or pending status",
                 })
        {
            StringAssert.Contains(error.Message, rule);
        }
    }
}
