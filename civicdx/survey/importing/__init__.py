"""Reading survey workbooks and CSV files into validated 業務 and 作業手順 (pure: no Django)."""
