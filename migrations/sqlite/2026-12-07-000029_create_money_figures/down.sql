DROP TABLE money_figures;
