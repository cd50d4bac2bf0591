"""`lottery graph`: the workflow from asl/, with one draw's path highlighted."""

import shutil

import pytest

from cli import graph

HAPPY = ["Input Lottery Winners", "Random Select Winners", "Validate Winners", "Is Winner In Past Draw",
         "Record In Dynamodb", "Send SNS", "Record Announcement"]


def test_every_transition_of_the_definition_is_an_edge():
    definition = graph.definition()
    edges = {(a, b) for a, b, _ in graph.edges(definition)}
    for name, state in definition["States"].items():
        targets = [state.get("Next"), state.get("Default")] + [c["Next"] for c in state.get("Choices", []) + state.get("Catch", [])]
        for target in filter(None, targets):
            assert (name, target) in edges
    assert ("Record In Dynamodb", "Random Select Winners") in edges  # DrawConflict goes back to selection
    assert ("Record Announcement", graph.END) in edges and ("Failed", graph.END) in edges


def test_mermaid_highlights_exactly_the_path_taken():
    text = graph.mermaid(graph.definition(), HAPPY)
    assert text.startswith("flowchart TD")
    assert ("class Input_Lottery_Winners,Random_Select_Winners,Validate_Winners,Is_Winner_In_Past_Draw,"
            "Record_In_Dynamodb,Send_SNS,Record_Announcement taken") in text
    links = [line.strip() for line in text.splitlines() if "-->" in line]
    styled = text.split("linkStyle ")[1].split()[0].split(",")
    highlighted = [links[int(i)] for i in styled]
    assert highlighted == [
        "start((start)) --> Input_Lottery_Winners",
        "Input_Lottery_Winners --> Random_Select_Winners",
        "Random_Select_Winners --> Validate_Winners",
        "Validate_Winners --> Is_Winner_In_Past_Draw",
        'Is_Winner_In_Past_Draw -->|"status = 0"| Record_In_Dynamodb',
        "Record_In_Dynamodb --> Send_SNS",
        "Send_SNS --> Record_Announcement",
        "Record_Announcement --> done",
    ]


def test_without_a_path_nothing_is_highlighted():
    assert "classDef" not in graph.mermaid(graph.definition())
    assert "penwidth" not in graph.dot(graph.definition())


def test_png_is_drawn_by_graphviz_or_refused_readably():
    if shutil.which("dot"):
        assert graph.png(graph.definition(), HAPPY).startswith(b"\x89PNG")
    else:
        with pytest.raises(RuntimeError, match="apt-get install graphviz"):
            graph.png(graph.definition(), HAPPY)
