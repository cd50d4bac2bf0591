// Another team's TypeScript stack: the lottery's component, through the SDK `pulumi package add`
// generates from its schema (the inputs and outputs are the component's, camelCased).
import * as lottery from "@pulumi/lottery";

const party = new lottery.LotteryWorkflow("party", {
    namePrefix: "annual-party",
    maxWinners: 10,
    notificationEmails: ["hr@example.com"],
    operatorEmails: ["ops@example.com"],
    publicScreen: true, // phones check in at the party; in the China regions this needs an ICP licence
    apiThrottleRate: 50,
    tags: { team: "people-ops" },
});

const quarterly = new lottery.LotteryWorkflow("quarterly", {
    namePrefix: "quarterly-draw",
    maxWinners: 3,
    rosterUpload: false,
    winnerEvents: false,
});

export const partyApi = party.apiUrl;
export const partyStateMachine = party.stateMachineArn;
export const quarterlyWinners = quarterly.winnersTableName;
